// CommonJS consumers: `require('tempo-light')` resolves to index.cjs and its types (index.d.cts).
import tempo = require('tempo-light');
const client: tempo.TempoLightClient = tempo.TempoLightClient.mainnet();
const ok: boolean = client.verifyBatch([]).every((r) => r.ok);
const err = new tempo.TempoLightError('x', 'Internal');
console.log(ok, err.code, tempo.default === tempo.TempoLightClient);
