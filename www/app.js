// The page: a thin view over the npm package. It picks a network, follows it, shows what
// is proven, and keeps the client's trust state in localStorage so a reload resumes.

const PKG = new URLSearchParams(location.search).get('pkg') ?? '../pkg/index.js';
const { TempoLightClient, init } = await import(PKG);
// The package does nothing at import: load its wasm once, before the sync APIs.
await init();

const DEFAULT_RPC = { mainnet: 'https://rpc.presto.tempo.xyz', testnet: 'https://rpc.moderato.tempo.xyz', custom: 'http://127.0.0.1:8545' };
const CONFIG_KEY = 'tempo-light:config';
const stateKey = (config) => `tempo-light:state:${config.network}:${config.network === 'custom' ? config.identity : ''}`;

const $ = (id) => document.getElementById(id);
const form = $('config');
let client = null;
let controller = null;
let lastFinalizedAt = null;
let lastIdentity = null;

function short(hex) {
  return hex && hex.length > 22 ? `${hex.slice(0, 12)}…${hex.slice(-8)}` : hex ?? '—';
}

function readConfig() {
  const data = new FormData(form);
  return {
    network: data.get('network'),
    rpc: data.get('rpc').trim(),
    identity: (data.get('identity') ?? '').trim(),
    epochLength: Number(data.get('epochLength') || 0),
    fromEpoch: Number(data.get('fromEpoch') || 0),
  };
}

function writeConfig(config) {
  $('network').value = config.network;
  $('rpc').value = config.rpc;
  $('identity').value = config.identity ?? '';
  $('epochLength').value = config.epochLength || 20;
  $('fromEpoch').value = config.fromEpoch || 0;
  $('custom-fields').hidden = config.network !== 'custom';
}

function makeClient(config) {
  const saved = localStorage.getItem(stateKey(config));
  if (saved) {
    try {
      return TempoLightClient.fromState(saved);
    } catch (e) {
      reject(e, 'saved state was unusable; starting afresh');
      localStorage.removeItem(stateKey(config));
    }
  }
  if (config.network === 'mainnet') return TempoLightClient.mainnet();
  if (config.network === 'testnet') return TempoLightClient.testnet();
  return TempoLightClient.custom({ identity: config.identity, epochLength: config.epochLength, fromEpoch: config.fromEpoch });
}

function setStatus(status) {
  const badge = $('status');
  badge.textContent = status;
  badge.className = `badge ${status}`;
}

function showHead(event) {
  $('head-height').textContent = `#${event.height}`;
  $('head-hash').textContent = event.hash;
  $('head-epoch').textContent = String(event.epoch);
  try { lastIdentity = client.identityFor(event.epoch); } catch { /* not known: built-in */ }
  $('head-identity').textContent = short(lastIdentity);
  $('head-identity').title = lastIdentity ?? '';
  $('head-verify').textContent = event.verifyMs !== undefined ? `${event.verifyMs.toFixed(1)} ms` : '—';
  lastFinalizedAt = event.seen !== null && event.seen !== undefined ? Number(event.seen) : Number(event.timestampMillis);
  tick();
}

function tick() {
  if (lastFinalizedAt === null) return;
  const seconds = Math.max(0, (Date.now() - lastFinalizedAt) / 1000);
  $('head-age').textContent = `${seconds.toFixed(1)} s ago`;
}
setInterval(tick, 250);

function log(list, html, className) {
  const item = document.createElement('li');
  if (className) item.className = className;
  item.innerHTML = html;
  list.prepend(item);
  while (list.children.length > 50) list.lastChild.remove();
}

function escape(text) {
  return String(text).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
}

function onEpoch(event) {
  const rotated = event.rotated;
  log($('epochs'),
    `<strong>Epoch ${event.epoch}</strong> ${rotated ? '<span class="tag rotation">identity rotated</span>' : '<span class="tag">reshare</span>'}`
    + ` <span class="mono" title="${escape(event.identity)}">${escape(short(event.identity))}</span>`
    + ` · ${event.players} players${event.nextFullDkg ? ' · <em>full DKG next</em>' : ''}`,
    rotated ? 'rotation' : '');
}

function reject(error, note) {
  log($('rejections'),
    `<strong class="code">${escape(error.code ?? 'Error')}</strong> ${escape(error.message ?? String(error))}${note ? ` <em>(${escape(note)})</em>` : ''}`,
    error.retryable ? 'retry' : 'fatal');
}

// The balance being watched: re-proven (at most every 2 s) as the head moves.
let watched = null;
let balanceBusy = false;
let balanceAt = 0;

async function proveBalance() {
  if (!watched || !client || balanceBusy) return;
  balanceBusy = true;
  balanceAt = Date.now();
  try {
    const b = await client.getVerifiedBalance({ ...watched, rpc: readConfig().rpc });
    $('balance-value').textContent = `${b.formatted} ${b.symbol}`;
    $('balance-token').textContent = `${b.name} (${b.currency}, ${b.decimals} decimals) ${short(b.token)}`;
    $('balance-block').textContent = `#${b.height} ${short(b.hash)}`;
    $('balance-proof').innerHTML = '<span class="badge synced">verified</span> against the state root of a final block';
    $('balance-card').dataset.height = String(b.height);
    $('balance-card').dataset.balance = String(b.balance);
  } catch (error) {
    $('balance-proof').innerHTML = `<span class="badge frozen">${escape(error.code ?? 'Error')}</span> ${escape(error.message ?? String(error))}`;
    if (error.code !== 'NoStateRoot') reject(error, 'balance not shown');
  } finally {
    balanceBusy = false;
  }
}

$('balance-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const data = new FormData($('balance-form'));
  watched = { token: data.get('token').trim(), account: data.get('account').trim() };
  $('balance-value').textContent = '…';
  proveBalance();
});

function save(config) {
  if (client) localStorage.setItem(stateKey(config), client.toState());
}

async function start(config) {
  stop();
  localStorage.setItem(CONFIG_KEY, JSON.stringify({ ...config, running: true }));
  client = makeClient(config);
  const head = client.head;
  if (head) showHead({ ...head, timestampMillis: Date.now(), seen: null });
  controller = new AbortController();
  $('start').disabled = true;
  $('stop').disabled = false;
  setStatus('syncing');
  const offStatus = client.on('status', setStatus);
  try {
    await client.follow({
      rpc: config.rpc,
      signal: controller.signal,
      pollMs: 250,
      onFinalized: (event) => {
        showHead(event);
        save(config);
        if (watched && Date.now() - balanceAt > 2000) proveBalance();
      },
      onEpoch: (event) => { onEpoch(event); save(config); },
      onEvent: (event) => {
        if (event.type === 'equivocation') log($('rejections'), `<strong class="code">Equivocation</strong> two final blocks at #${event.height}`, 'fatal');
      },
      onError: (error) => reject(error, error.retryable ? 'retrying' : 'stopped'),
    });
  } catch (error) {
    // Already shown by onError; the client stays stopped with its state as it was.
  } finally {
    offStatus();
    if (client) setStatus(client.status);
    $('start').disabled = false;
    $('stop').disabled = true;
  }
}

function stop() {
  controller?.abort();
  controller = null;
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  start(readConfig());
});
$('stop').addEventListener('click', () => {
  stop();
  const config = JSON.parse(localStorage.getItem(CONFIG_KEY) ?? '{}');
  localStorage.setItem(CONFIG_KEY, JSON.stringify({ ...config, running: false }));
});
$('forget').addEventListener('click', () => {
  stop();
  const config = readConfig();
  localStorage.removeItem(stateKey(config));
  localStorage.setItem(CONFIG_KEY, JSON.stringify({ ...config, running: false }));
  location.reload();
});
$('network').addEventListener('change', () => {
  const network = $('network').value;
  $('custom-fields').hidden = network !== 'custom';
  $('rpc').value = DEFAULT_RPC[network];
});

// Resume what was running before the reload.
const saved = JSON.parse(localStorage.getItem(CONFIG_KEY) ?? 'null');
if (saved) {
  writeConfig(saved);
  if (saved.running) start(saved);
} else {
  writeConfig({ network: 'mainnet', rpc: DEFAULT_RPC.mainnet });
}
window.tempoLight = { get client() { return client; } };
