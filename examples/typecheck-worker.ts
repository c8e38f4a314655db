// `tempo-light/worker`: the page's proxy has the client's methods, async.
import { connectWorker, expose } from 'tempo-light/worker';
declare const worker: Worker;
async function page(): Promise<void> {
  const remote = await connectWorker(worker);
  const client = await remote.create({ network: 'mainnet' });
  const off = client.on('finalized', (e) => console.log(e.height));
  await client.follow({ rpc: 'https://rpc.presto.tempo.xyz', signal: AbortSignal.timeout(1000) });
  const height: bigint | undefined = client.head?.height;
  const provider = await remote.createVerifiedProvider({ client, rpc: 'https://rpc.presto.tempo.xyz' });
  const n: string = await provider.request({ method: 'eth_blockNumber' });
  off();
  await client.destroy();
  console.log(height, n);
}
void page;
void expose;
