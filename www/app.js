// The page: a thin view over the npm package. It picks a network, follows it, shows what
// is proven, and keeps the client's trust state in localStorage so a reload resumes (with the
// watched balance and the epoch history, kept beside it).

const params = new URLSearchParams(location.search);
const PKG = params.get('pkg') ?? '../pkg/index.js';
// viem, as one ES module (js/test/support/serve.mjs bundles it from node_modules); without it the
// provider panel reads through provider.request directly.
const VIEM = params.get('viem') ?? './vendor/viem.js';
const { TempoLightClient, init, createVerifiedProvider, RpcError, PaymentMismatchError, PendingError } = await import(PKG);
// The package does nothing at import: load its wasm once, before the sync APIs.
await init();

const DEFAULT_RPC = { mainnet: 'https://rpc.presto.tempo.xyz', testnet: 'https://rpc.moderato.tempo.xyz', custom: 'http://127.0.0.1:8545' };
const CONFIG_KEY = 'tempo-light:config';
const stateKey = (config) => `tempo-light:state:${config.network}:${config.network === 'custom' ? config.identity : ''}`;
// What the page keeps beside the client's state: the watched balance and the epoch history.
const pageKey = (config) => `tempo-light:page:${config.network}:${config.network === 'custom' ? config.identity : ''}`;
// follow()'s backoff, given explicitly so the page can show when the next attempt comes.
const RETRY_DELAY_MS = 250;
const MAX_RETRY_DELAY_MS = 8000;
const MAX_EPOCHS = 50;

const STATUS_TITLES = {
  syncing: 'Catching up: verifying blocks towards the latest final one',
  synced: 'Up to date: the head is the latest final block the RPC knows, verified',
  stalled: 'The RPC did not answer: retrying (see below)',
  stopped: 'Not following',
  frozen: 'Stopped for good: the network finalized two blocks at one height (evidence kept)',
  destroyed: 'The client was destroyed',
};

const $ = (id) => document.getElementById(id);
const form = $('config');
let client = null;
let controller = null;
let provider = null;
let current = null; // the config being followed
let lastFinalizedAt = null;
let lastIdentity = null;
let page = { watched: null, epochs: [] };

function short(hex) {
  return hex && hex.length > 22 ? `${hex.slice(0, 12)}…${hex.slice(-8)}` : hex ?? '—';
}

function escape(text) {
  return String(text).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
}

// Text areas that grow with their content: long hex wraps instead of being cut off.
function grow(area) {
  area.style.height = 'auto';
  area.style.height = `${area.scrollHeight + area.offsetHeight - area.clientHeight}px`;
}
for (const area of document.querySelectorAll('textarea.grow')) {
  area.addEventListener('input', () => grow(area));
  // Enter submits, as in the one-line inputs these replace.
  area.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); area.form.requestSubmit(); }
  });
}
const growAll = () => { for (const area of document.querySelectorAll('textarea.grow')) if (area.offsetParent) grow(area); };
addEventListener('resize', growAll);

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
  growAll();
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
  badge.title = STATUS_TITLES[status] ?? '';
  // Any progress means the RPC answered: the connectivity notice goes.
  if (status === 'syncing' || status === 'synced') clearConnectivity();
}

// Connectivity: an RPC that cannot be reached (or times out) is no lie, so it is shown here,
// with the countdown to follow()'s next attempt, not under Rejections.
let failures = 0;
let retryAt = null;
let connectivityText = '';

function isConnectivity(error) {
  return error instanceof RpcError || ['RpcUnavailable', 'Timeout', 'StorageUnavailable'].includes(error?.code);
}

function connectivity(error, retrying) {
  failures += 1;
  retryAt = retrying ? Date.now() + Math.min(RETRY_DELAY_MS * 2 ** (failures - 1), MAX_RETRY_DELAY_MS) : null;
  connectivityText = `${error.code ?? 'Error'}: ${error.message ?? String(error)}`;
  renderConnectivity();
}

function clearConnectivity() {
  failures = 0;
  retryAt = null;
  connectivityText = '';
  renderConnectivity();
}

function renderConnectivity() {
  const box = $('connectivity');
  if (!connectivityText) { box.hidden = true; box.textContent = ''; delete box.dataset.failures; return; }
  box.hidden = false;
  box.dataset.failures = String(failures);
  let next;
  if (retryAt === null) next = 'Not retrying.';
  else {
    const left = (retryAt - Date.now()) / 1000;
    next = left > 0 ? `Retrying in ${left.toFixed(1)} s` : 'Retrying now…';
    next += ` (attempt ${failures + 1}).`;
  }
  box.innerHTML = `<strong>Connection problem</strong> <span class="conn-reason">${escape(connectivityText)}</span> <span class="countdown">${escape(next)}</span>`;
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
  if (retryAt !== null) renderConnectivity();
  if (lastFinalizedAt === null) return;
  const seconds = Math.max(0, (Date.now() - lastFinalizedAt) / 1000);
  $('head-age').textContent = `${seconds.toFixed(1)} s ago`;
}
setInterval(tick, 250);

function log(list, html, className, title) {
  const item = document.createElement('li');
  if (className) item.className = className;
  if (title) item.title = title;
  item.innerHTML = html;
  list.prepend(item);
  while (list.children.length > MAX_EPOCHS) list.lastChild.remove();
}

// ---- Epochs and trust ----------------------------------------------------------------------

const RESHARE_TITLE = 'Routine reshare: the validators re-dealt shares of the same network key. The identity you trust is unchanged.';
const ROTATION_TITLE = 'A full DKG made a new network key. It was announced by the previous epoch, and learnt from a boundary block verified under the previous identity.';
const NEXT_TITLE = 'This epoch announced a full DKG: the identity changes at the next epoch boundary.';

// An epoch event as kept in localStorage (bigints as strings), with how its identity was
// learnt: from the last block of the previous epoch, verified under that epoch's identity.
function epochRecord(event) {
  const epoch = BigInt(event.epoch);
  const length = client.network.epochLength;
  let previous = null;
  if (epoch > 0n) { try { previous = client.identityFor(epoch - 1n); } catch { /* no longer known */ } }
  return {
    epoch: String(epoch),
    identity: event.identity,
    rotated: !!event.rotated,
    nextFullDkg: !!event.nextFullDkg,
    players: event.players,
    boundary: epoch > 0n ? String(epoch * length - 1n) : null,
    verifiedUnder: previous,
  };
}

function renderEpoch(r) {
  const change = r.rotated
    ? `<span class="tag rotation" title="${escape(ROTATION_TITLE)}">identity rotated</span> new network key (full DKG)`
    : `<span class="tag" title="${escape(RESHARE_TITLE)}">same identity</span> routine reshare of the same key`;
  log($('epochs'),
    `<strong>Epoch ${escape(r.epoch)}</strong> ${change}`
    + ` <span class="mono" title="${escape(r.identity)}">${escape(short(r.identity))}</span>`
    + ` · ${escape(r.players)} validators`
    + (r.nextFullDkg ? ` · <span class="tag next" title="${escape(NEXT_TITLE)}">new key next</span>` : ''),
    r.rotated ? 'rotation' : '',
    r.rotated ? ROTATION_TITLE : RESHARE_TITLE);
  const how = r.boundary === null
    ? 'the identity you started from'
    : `learnt from boundary block <span class="mono">#${escape(r.boundary)}</span> (last of epoch ${escape(BigInt(r.epoch) - 1n)}), verified under `
      + (r.verifiedUnder ? `epoch ${escape(BigInt(r.epoch) - 1n)}'s identity <span class="mono" title="${escape(r.verifiedUnder)}">${escape(short(r.verifiedUnder))}</span>` : 'the previous identity');
  log($('trust-chain'),
    `<strong>Epoch ${escape(r.epoch)}</strong> <span class="mono" title="${escape(r.identity)}">${escape(short(r.identity))}</span> · ${how}`,
    r.rotated ? 'rotation' : '');
}

// The identities the client started from: the presets built into tempo-light for mainnet
// and testnet, or the identity entered for a custom network (the client's `presets`).
function renderAnchor(config) {
  let presets = [];
  try { presets = client.presets; } catch { /* shown as unknown */ }
  const source = config.network === 'custom' ? 'entered by you (custom network)' : `built into tempo-light for ${config.network}`;
  const anchor = $('trust-anchor');
  anchor.innerHTML = presets.length === 0 ? '—' : presets.map(({ fromEpoch, identity }) => {
    return `<div class="anchor"><span class="mono wrap">${escape(identity)}</span><br><span class="hint-inline">${escape(source)}, from epoch ${escape(fromEpoch)}: preset, taken on trust</span></div>`;
  }).join('');
}

function onEpoch(event) {
  const record = epochRecord(event);
  page.epochs.push(record);
  if (page.epochs.length > MAX_EPOCHS) page.epochs.splice(0, page.epochs.length - MAX_EPOCHS);
  renderEpoch(record);
}

function reject(error, note) {
  log($('rejections'),
    `<strong class="code">${escape(error.code ?? 'Error')}</strong> ${escape(error.message ?? String(error))}${note ? ` <em>(${escape(note)})</em>` : ''}`,
    error.retryable ? 'retry' : 'fatal');
}

// A problem met while following or proving: connectivity to the status area, anything that
// failed verification to Rejections.
function problem(error, note) {
  if (isConnectivity(error)) connectivity(error, note === 'retrying');
  else reject(error, note);
}

// ---- The watched balance: re-proven (at most every 2 s) as the head moves ----------------

let balanceBusy = false;
let balanceAt = 0;

async function proveBalance() {
  const watched = page.watched;
  if (!watched || !client || !client.head || balanceBusy) return;
  balanceBusy = true;
  balanceAt = Date.now();
  try {
    const b = await client.getVerifiedBalance({ ...watched, rpc: current?.rpc ?? readConfig().rpc });
    if (watched !== page.watched) return;
    $('balance-value').textContent = `${b.formatted} ${b.symbol}`;
    $('balance-token').textContent = `${b.name} (${b.currency}, ${b.decimals} decimals) ${short(b.token)}`;
    $('balance-block').textContent = `#${b.height} ${short(b.hash)}`;
    $('balance-proof').innerHTML = '<span class="badge synced">verified</span> against the state root of a final block';
    $('balance-card').dataset.height = String(b.height);
    $('balance-card').dataset.balance = String(b.balance);
  } catch (error) {
    $('balance-proof').innerHTML = `<span class="badge frozen">${escape(error.code ?? 'Error')}</span> ${escape(error.message ?? String(error))}`;
    // A lie goes under Rejections; an RPC that cannot be reached is said here (and, while
    // following, in the status area by follow() itself).
    if (error.code !== 'NoStateRoot' && !isConnectivity(error)) reject(error, 'balance not shown');
  } finally {
    balanceBusy = false;
  }
}

function clearBalance() {
  for (const id of ['balance-value', 'balance-token', 'balance-block', 'balance-proof']) $(id).textContent = '—';
  delete $('balance-card').dataset.height;
  delete $('balance-card').dataset.balance;
}

$('balance-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const data = new FormData($('balance-form'));
  page.watched = { token: data.get('token').trim(), account: data.get('account').trim() };
  savePage();
  clearBalance();
  $('balance-value').textContent = '…';
  proveBalance();
});

// ---- Confirming a payment: pending → final, the transfer, the proof -------------------------

let paymentRun = null; // the AbortController of the confirmation in progress
let paymentProof = null; // { hash, text } of the last proof

// "1.5" (6 decimals, as every TIP-20 token) to base units; '' is no expectation.
function baseUnits(text) {
  const t = text.trim();
  if (!t) return undefined;
  const m = /^(\d+)(?:\.(\d{0,6}))?$/.exec(t);
  if (!m) throw Object.assign(new Error(`amount: ${t} is not a number of tokens with at most 6 decimals`), { code: 'InvalidInput' });
  return BigInt(m[1]) * 1_000_000n + BigInt((m[2] ?? '').padEnd(6, '0') || '0');
}

// The token's symbol and decimals, proven like the balance (cached per token).
const tokenInfo = new Map();
async function describeToken(token, holder) {
  if (!tokenInfo.has(token)) {
    try {
      const b = await client.getVerifiedBalance({ token, account: holder, rpc: current?.rpc });
      tokenInfo.set(token, { symbol: b.symbol, decimals: b.decimals });
    } catch {
      return { symbol: short(token), decimals: 6 }; // not proven now: the address stands in
    }
  }
  return tokenInfo.get(token);
}

async function showPayment(payment, note) {
  const card = $('payment-card');
  card.dataset.height = String(payment.height);
  card.dataset.success = String(payment.success);
  card.dataset.transfers = String(payment.transfers.length);
  $('payment-block').textContent = `#${payment.height} ${short(payment.blockHash)} (transaction ${payment.index})`;
  $('payment-outcome').innerHTML = payment.success
    ? `<span class="badge synced">succeeded</span> ${escape(payment.gasUsed ?? '?')} gas`
    : '<span class="badge frozen">failed</span> the transaction reverted: nothing it tried to move moved';
  if (note) $('payment-outcome').insertAdjacentHTML('beforeend', ` <em>${escape(note)}</em>`);
  const rows = [];
  for (const t of payment.transfers) {
    const info = await describeToken(t.token, t.to);
    rows.push(`<div class="transfer"><strong>${escape(t.formatted)} ${escape(info.symbol)}</strong>`
      + ` <span class="hint-inline">(${escape(info.decimals)} decimals, ${escape(t.amount)} base units)</span><br>`
      + `from <span class="mono" title="${escape(t.from)}">${escape(short(t.from))}</span>`
      + ` to <span class="mono" title="${escape(t.to)}">${escape(short(t.to))}</span>`
      + (t.memo ? `<br>memo <span class="mono wrap">${escape(t.memo)}</span>` : '') + '</div>');
  }
  $('payment-transfers').innerHTML = rows.length ? rows.join('') : 'no TIP-20 transfer';
}

function clearPayment() {
  for (const id of ['payment-status', 'payment-block', 'payment-outcome', 'payment-transfers']) $(id).textContent = '—';
  const card = $('payment-card');
  for (const key of ['state', 'code', 'height', 'success', 'transfers']) delete card.dataset[key];
  paymentProof = null;
  $('download-proof').disabled = true;
}

function paymentState(state, html) {
  $('payment-card').dataset.state = state;
  $('payment-status').innerHTML = html;
}

$('payment-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  paymentRun?.abort();
  clearPayment();
  if (!client) { paymentState('error', 'Follow a network first.'); return; }
  const run = (paymentRun = new AbortController());
  const data = new FormData($('payment-form'));
  const field = (name) => (data.get(name) ?? '').trim() || undefined;
  const hash = field('hash');
  let amount;
  try { amount = baseUnits(data.get('amount') ?? ''); } catch (error) { paymentState('error', escape(error.message)); return; }
  paymentState('waiting', 'Asking where the transaction is…');
  try {
    const { payment, proof } = await client.confirmPayment({
      hash, token: field('token'), anyToken: data.get('anyToken') === 'on' || undefined, to: field('to'), amount, memo: field('memo'),
      rpc: current?.rpc, signal: run.signal, waitMs: Infinity, pollMs: 500,
      onStatus: (s) => {
        if (s.status === 'unknown') paymentState('unknown', 'Not in any block the RPC knows yet: waiting…');
        else if (s.status === 'pending') {
          paymentState('pending', `<span class="badge syncing">pending</span> in block #${escape(s.height)}, not final yet (verified head #${escape(s.finalHeight ?? '—')})`);
        }
      },
    });
    paymentProof = { hash, text: proof };
    $('download-proof').disabled = false;
    await showPayment(payment);
    paymentState('final', `<span class="badge synced">final</span> proven in block #${escape(payment.height)}, whose certificate verified under epoch ${escape(payment.epoch)}'s identity`);
  } catch (error) {
    if (run.signal.aborted) return;
    const card = $('payment-card');
    card.dataset.code = error.code ?? 'Error';
    if (error instanceof PaymentMismatchError) {
      // Proven, but not what was expected: what it did is shown beside why.
      if (error.payment) await showPayment(error.payment);
      paymentState('otherwise', `<span class="badge frozen">${escape(error.code)}</span> proven final, but not as expected: ${escape(error.message)}`);
    } else if (error instanceof PendingError || isConnectivity(error) || error.code === 'Aborted' || error.code === 'InvalidInput') {
      paymentState('error', `<span class="badge stalled">${escape(error.code ?? 'Error')}</span> ${escape(error.message ?? String(error))}`);
    } else {
      // An answer that failed verification: a lie about the payment.
      paymentState('refused', `<span class="badge frozen">refused</span> ${escape(error.code ?? 'Error')}: ${escape(error.message ?? String(error))}`);
      reject(error, 'payment not confirmed');
    }
  } finally {
    if (paymentRun === run) paymentRun = null;
  }
});

$('download-proof').addEventListener('click', () => {
  if (!paymentProof) return;
  const url = URL.createObjectURL(new Blob([paymentProof.text], { type: 'application/json' }));
  const a = Object.assign(document.createElement('a'), { href: url, download: `payment-${paymentProof.hash.slice(2, 14)}.json` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
});

// ---- The verified provider, read by viem --------------------------------------------------

let viem;
async function loadViem() {
  if (viem === undefined) {
    try { viem = await import(new URL(VIEM, import.meta.url).href); } catch { viem = null; }
  }
  return viem;
}

function providerFor() {
  if (!provider && client) provider = createVerifiedProvider({ client, rpc: current?.rpc ?? readConfig().rpc });
  return provider;
}

const BALANCE_OF = '0x70a08231';
async function readThroughProvider(token, account) {
  const p = providerFor();
  if (!p) throw new Error('follow a network first');
  const v = await loadViem();
  if (v) {
    const chain = undefined;
    const reader = v.createPublicClient({ chain, transport: v.custom(p) });
    const [block, balance, decimals, symbol] = await Promise.all([
      reader.getBlockNumber({ cacheTime: 0 }),
      reader.readContract({ address: token, abi: v.erc20Abi, functionName: 'balanceOf', args: [account] }),
      reader.readContract({ address: token, abi: v.erc20Abi, functionName: 'decimals' }),
      reader.readContract({ address: token, abi: v.erc20Abi, functionName: 'symbol' }),
    ]);
    return { block, balance, formatted: `${v.formatUnits(balance, decimals)} ${symbol}`, via: 'viem (createPublicClient + custom(provider))' };
  }
  // No viem served: the same proven calls, through the EIP-1193 provider directly.
  const block = BigInt(await p.request({ method: 'eth_blockNumber' }));
  const data = BALANCE_OF + account.slice(2).toLowerCase().padStart(64, '0');
  const balance = BigInt(await p.request({ method: 'eth_call', params: [{ to: token, data }, 'latest'] }));
  return { block, balance, formatted: `${balance} (base units)`, via: 'provider.request (viem not served)' };
}

$('provider-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const data = new FormData($('provider-form'));
  const token = data.get('token').trim();
  const account = data.get('account').trim();
  const card = $('provider-card');
  delete card.dataset.balance;
  $('provider-balance').textContent = '…';
  try {
    const r = await readThroughProvider(token, account);
    $('provider-block').textContent = `#${r.block} (verified head)`;
    $('provider-balance').innerHTML = `${escape(r.formatted)} <span class="badge synced">proven</span>`;
    $('provider-via').textContent = r.via;
    card.dataset.balance = String(r.balance);
    card.dataset.block = String(r.block);
    card.dataset.via = r.via.startsWith('viem') ? 'viem' : 'provider';
  } catch (error) {
    const reason = error.reason ?? error.cause?.reason ?? error.code ?? 'Error';
    $('provider-balance').innerHTML = `<span class="badge frozen">${escape(reason)}</span> ${escape(error.shortMessage ?? error.message ?? String(error))}`;
  }
});

// ---- Saving, starting, stopping ------------------------------------------------------------

function save(config) {
  if (client) localStorage.setItem(stateKey(config), client.toState());
  savePage(config);
}

function savePage(config = current) {
  if (config) localStorage.setItem(pageKey(config), JSON.stringify(page));
}

function loadPage(config) {
  try {
    const saved = JSON.parse(localStorage.getItem(pageKey(config)) ?? 'null');
    if (saved && Array.isArray(saved.epochs)) return { watched: saved.watched ?? null, epochs: saved.epochs };
  } catch { /* unreadable: start afresh */ }
  return { watched: null, epochs: [] };
}

const sameNetwork = (a, b) => a && b && a.network === b.network && a.rpc === b.rpc && a.identity === b.identity;

// What the page shows of a network: cleared when following another one.
function resetView() {
  for (const id of ['epochs', 'trust-chain', 'rejections']) $(id).replaceChildren();
  for (const id of ['head-height', 'head-hash', 'head-epoch', 'head-identity', 'head-age', 'head-verify', 'trust-anchor', 'provider-block', 'provider-balance', 'provider-via']) $(id).textContent = '—';
  delete $('provider-card').dataset.balance;
  lastFinalizedAt = null;
  lastIdentity = null;
  clearBalance();
  paymentRun?.abort();
  clearPayment();
  tokenInfo.clear();
  clearConnectivity();
}

async function start(config) {
  stop();
  if (!sameNetwork(config, current)) resetView();
  else { for (const id of ['epochs', 'trust-chain']) $(id).replaceChildren(); clearConnectivity(); }
  current = config;
  localStorage.setItem(CONFIG_KEY, JSON.stringify({ ...config, running: true }));
  client = makeClient(config);
  provider = null;
  page = loadPage(config);
  renderAnchor(config);
  for (const record of page.epochs) renderEpoch(record);
  if (page.watched) {
    $('token').value = page.watched.token;
    $('account').value = page.watched.account;
    if (!$('provider-account').value) $('provider-account').value = page.watched.account;
    growAll();
  }
  const head = client.head;
  if (head) showHead({ ...head, timestampMillis: Date.now(), seen: null });
  controller = new AbortController();
  $('start').disabled = true;
  $('stop').disabled = false;
  setStatus('syncing');
  const mine = client;
  const offStatus = client.on('status', setStatus);
  if (page.watched && head) proveBalance();
  try {
    await client.follow({
      rpc: config.rpc,
      signal: controller.signal,
      pollMs: 250,
      retryDelayMs: RETRY_DELAY_MS,
      maxRetryDelayMs: MAX_RETRY_DELAY_MS,
      onFinalized: (event) => {
        showHead(event);
        save(config);
        if (page.watched && Date.now() - balanceAt > 2000) proveBalance();
      },
      onEpoch: (event) => { onEpoch(event); save(config); },
      onEvent: (event) => {
        if (event.type === 'equivocation') log($('rejections'), `<strong class="code">Equivocation</strong> two final blocks at #${event.height}`, 'fatal');
      },
      onError: (error) => problem(error, error.retryable ? 'retrying' : 'stopped'),
    });
  } catch (error) {
    // Already shown by onError; the client stays stopped with its state as it was.
  } finally {
    offStatus();
    // (A follow() stopped to start another leaves the page to the new one.)
    if (client === mine) {
      setStatus(client.status);
      // Stopped by hand: the notice is stale. Given up: it stays, without a countdown.
      if (controller === null || controller.signal.aborted) clearConnectivity();
      else if (retryAt !== null) { retryAt = null; renderConnectivity(); }
      $('start').disabled = false;
      $('stop').disabled = true;
    }
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
  localStorage.removeItem(pageKey(config));
  localStorage.setItem(CONFIG_KEY, JSON.stringify({ ...config, running: false }));
  location.reload();
});
$('network').addEventListener('change', () => {
  const network = $('network').value;
  $('custom-fields').hidden = network !== 'custom';
  $('rpc').value = DEFAULT_RPC[network];
  growAll();
});

// Resume what was running before the reload.
const saved = JSON.parse(localStorage.getItem(CONFIG_KEY) ?? 'null');
if (saved) {
  writeConfig(saved);
  if (saved.running) start(saved);
} else {
  writeConfig({ network: 'mainnet', rpc: DEFAULT_RPC.mainnet });
}
growAll();
window.tempoLight = { get client() { return client; }, get provider() { return provider; } };
