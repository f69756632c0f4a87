// Shared helpers for the browser walks (run.mjs, report.mjs): checks and their summary, RFC 6238
// TOTP, the server (CLI preparation, start, stop), Chromium, pages that record CSP violations,
// script errors and unexpected HTTP errors, and numbered full-page screenshots.
//
// Each walk is one Node process running one script, so module-level state here (the counters,
// the server, the browser) belongs to that walk alone.

import { spawn, spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const HERE = dirname(fileURLToPath(import.meta.url));
// Resolved now: the server runs in a temp dir, so a relative path would break.
export const BIN = process.env.EMBARGO_BIN && resolve(process.env.EMBARGO_BIN);
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const RUN_TIMEOUT_MS = Number(process.env.BROWSER_TIMEOUT_SECS || 180) * 1000;
export const WIDE = { width: 1280, height: 800 };
export const NARROW = { width: 360, height: 740 };

// ---------------------------------------------------------------- bookkeeping

let passed = 0;
let failed = 0;
const t0 = Date.now();

export class CheckFailed extends Error {}

export function expect(cond, message) {
  if (!cond) throw new CheckFailed(message);
}

// One check per step; a failed step stops the walk, because later steps build on it.
export async function step(name, fn) {
  const start = Date.now();
  try {
    await fn();
    passed += 1;
    console.log(`  ok   ${name} (${Date.now() - start} ms)`);
  } catch (e) {
    failed += 1;
    console.log(`  FAIL ${name}`);
    console.log(`       ${(e instanceof CheckFailed ? e.message : e.stack || String(e)).replace(/\n/g, '\n       ')}`);
    throw new CheckFailed(`step failed: ${name}`);
  }
}

// ---------------------------------------------------------------- TOTP (RFC 6238)

function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const clean = text.toUpperCase().replace(/[\s=-]/g, '');
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of clean) {
    const idx = alphabet.indexOf(ch);
    if (idx < 0) throw new CheckFailed(`TOTP secret is not base32: ${JSON.stringify(text)}`);
    value = (value << 5) | idx;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

// HOTP (RFC 4226 §5.3) over the 30-second time step (RFC 6238 §4), SHA-1, 6 digits.
export function totp(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const bin = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(bin % 1_000_000).padStart(6, '0');
}

export const currentStep = () => Math.floor(Date.now() / 1000 / 30);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- server

let server = null;
let dataDir = null;
let serverLog = '';

// A clean environment for the binary: EMBARGO_* variables of the caller (EMBARGO_BIN,
// a developer's EMBARGO_DATABASE_URL…) would otherwise be read as configuration.
function cleanEnv() {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('EMBARGO_')));
}

// The temp dir every command and the server of this walk run in (cwd, so an embargo.toml in
// the caller's directory is not picked up), with the data directory inside it.
function ensureDataDir() {
  if (!dataDir) dataDir = mkdtempSync(join(tmpdir(), 'embargo-browser-'));
  return dataDir;
}

// Runs `$EMBARGO_BIN <args…> --data-dir <the walk's data dir>` before the server starts (the
// CLI and the server share the SQLite database) and returns its stdout; a non-zero exit fails.
export function cli(...args) {
  const dir = ensureDataDir();
  const r = spawnSync(BIN, [...args, '--data-dir', join(dir, 'data')], {
    cwd: dir,
    env: cleanEnv(),
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (r.error) throw new CheckFailed(`cannot run ${BIN} ${args.join(' ')}: ${r.error.message}`);
  expect(
    r.status === 0,
    `embargo ${args.join(' ')} exited with ${r.status}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`,
  );
  return r.stdout;
}

// Starts `embargo serve` on a free loopback port; resolves with the server's URL and the
// first-administrator setup link it prints.
export function startServer() {
  return new Promise((resolve, reject) => {
    const dir = ensureDataDir();
    server = spawn(BIN, ['serve', '--data-dir', join(dir, 'data'), '--listen', '127.0.0.1:0'], {
      cwd: dir,
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let done = false;
    const timer = setTimeout(() => finish(new Error('server printed no URL and setup link within 30 s')), 30_000);
    function finish(err, value) {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(value);
    }
    server.stdout.setEncoding('utf8');
    server.stderr.setEncoding('utf8');
    server.stdout.on('data', (chunk) => {
      out += chunk;
      serverLog += chunk;
      const base = out.match(/Embargo listening on (https?:\/\/[^\s/]+)/);
      const setup = out.match(/(https?:\/\/\S+\/setup\/\S+)/);
      if (base && setup) finish(null, { base: base[1], setupLink: setup[1] });
    });
    server.stderr.on('data', (chunk) => {
      serverLog = (serverLog + chunk).slice(-20_000);
    });
    server.on('error', (e) => finish(new Error(`cannot start ${BIN}: ${e.message}`)));
    server.on('exit', (code, signal) => {
      finish(new Error(`server exited early (code ${code}, signal ${signal})`));
    });
  });
}

export async function stopServer() {
  if (!server || server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((r) => server.once('exit', r));
  server.kill('SIGTERM');
  const t = setTimeout(() => server.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(t);
}

// If the runner dies some other way, never leave the server behind.
process.on('exit', () => {
  if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
});

// ---------------------------------------------------------------- browser and pages

let browser = null;
// Problems seen on any page of the walk; checked at the end.
export const pageProblems = [];
// "METHOD URL"s a walk requests on purpose to see them refused.
export const expectedErrors = new Set();
// Pages to screenshot when the walk fails (the one acted on last first).
const openPages = [];

export async function launchBrowser() {
  expect(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM)`);
  // chromium.launch gives every run a fresh temporary profile (user-data dir) and removes it
  // on close; Playwright refuses an explicit --user-data-dir here by design.
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
    ],
    timeout: 30_000,
  });
  return browser;
}

// A page in a fresh context (its own cookies), watched for CSP violations, script errors and
// unexpected HTTP errors. `options` go to browser.newContext (e.g. javaScriptEnabled: false).
export async function newPage(options = {}) {
  const context = await browser.newContext({ viewport: WIDE, locale: 'en-GB', ...options });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  // CSP violations and script errors are reported on the console; there must be none.
  // HTTP errors are checked per response below, so the console's copy of them is skipped.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) {
      pageProblems.push(`console error on ${page.url()}: ${m.text()}`);
    }
  });
  page.on('response', (r) => {
    const path = new URL(r.url()).pathname;
    const key = `${r.request().method()} ${r.url()}`;
    if (r.status() >= 400 && path !== '/favicon.ico' && !expectedErrors.has(key)) {
      pageProblems.push(`HTTP ${r.status()} for ${r.request().method()} ${path}`);
    }
  });
  page.on('pageerror', (e) => pageProblems.push(`page error on ${page.url()}: ${e.message}`));
  page.on('framenavigated', (f) => {
    if (f !== page.mainFrame()) return;
    const i = openPages.indexOf(page);
    if (i >= 0) openPages.splice(i, 1);
    openPages.unshift(page);
  });
  openPages.unshift(page);
  return page;
}

let shotsDir = join(HERE, 'screenshots');
let shots = 0;
// Full-page PNG, numbered in walk order: <shots dir>/NN-name.png.
export async function shot(page, name) {
  shots += 1;
  const file = `${String(shots).padStart(2, '0')}-${name}.png`;
  await page.screenshot({ path: join(shotsDir, file), fullPage: true });
  return file;
}

export async function text(page, selector) {
  return (await page.locator(selector).first().innerText()).trim();
}

export async function goto(page, base, path) {
  const res = await page.goto(base + path);
  expect(res && res.status() === 200, `GET ${path}: status ${res && res.status()} at ${page.url()}`);
  return res;
}

// Submits a form by clicking its button and waits for the page it leads to.
export async function submit(page, buttonName, urlPattern) {
  await page.getByRole('button', { name: buttonName, exact: true }).click();
  try {
    await page.waitForURL(urlPattern, { timeout: 10_000 });
  } catch {
    const err = await page.locator('.error').allInnerTexts();
    throw new CheckFailed(
      `after "${buttonName}" expected ${urlPattern}, got ${page.url()}` +
        (err.length ? `; page says: ${err.join(' | ')}` : ''),
    );
  }
}

// Submits a form by clicking its button and waits for the document it ends on (after any
// redirect), also when that document has the same URL as the one before (a POST that
// re-renders the form, or a POST-redirect-GET back to the same page), which `submit` cannot
// tell apart. Checks the final status (one, or a list of acceptable ones) and path; returns
// the final response.
export async function submitTo(page, buttonName, { within, status = 200, path } = {}) {
  const scope = within ? page.locator(within) : page;
  const final = page.waitForResponse(
    (r) =>
      r.request().isNavigationRequest() &&
      r.request().frame() === page.mainFrame() &&
      !(r.status() >= 300 && r.status() < 400),
    { timeout: 10_000 },
  );
  await scope.getByRole('button', { name: buttonName, exact: true }).click();
  const res = await final;
  await page.waitForLoadState('load');
  const at = new URL(page.url()).pathname;
  const statusOk = Array.isArray(status) ? status.includes(res.status()) : res.status() === status;
  if (!statusOk || (path && !(path instanceof RegExp ? path.test(at) : at === path))) {
    const err = await page.locator('.error, .field-error').allInnerTexts();
    throw new CheckFailed(
      `after "${buttonName}" expected ${status} at ${path || 'any path'}, got ${res.status()} at ${at}` +
        (err.length ? `; page says: ${err.join(' | ')}` : ''),
    );
  }
  return res;
}

export async function noHorizontalOverflow(page, label) {
  const { scroll, client, culprits } = await page.evaluate((width) => {
    // The innermost elements that stick out on the right, to say where the overflow comes from.
    const out = [];
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.right <= width + 0.5 || [...el.children].some((c) => c.getBoundingClientRect().right > width + 0.5)) continue;
      const cls = el.classList.length ? `.${[...el.classList].join('.')}` : '';
      const parent = el.parentElement;
      const pcls = parent && parent.classList.length ? `.${[...parent.classList].join('.')}` : '';
      out.push(`${parent ? parent.tagName.toLowerCase() + pcls + ' > ' : ''}${el.tagName.toLowerCase()}${cls} (right edge ${Math.round(r.right)} px)`);
      if (out.length >= 5) break;
    }
    return {
      scroll: document.documentElement.scrollWidth,
      client: document.documentElement.clientWidth,
      culprits: out,
    };
  }, NARROW.width);
  expect(
    scroll <= NARROW.width,
    `${label} at ${NARROW.width} px scrolls horizontally: scrollWidth ${scroll} (clientWidth ${client})` +
      (culprits.length ? `; sticking out: ${culprits.join('; ')}` : ''),
  );
}

export async function expectLoggedInAs(page, email) {
  const who = await text(page, '.topbar .who');
  expect(who.includes(email), `top bar shows "${who}", expected ${email}`);
}

// ---------------------------------------------------------------- main

let cleaned = false;
async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  if (browser) await browser.close().catch(() => {});
  await stopServer().catch(() => {});
  if (dataDir && statSync(dataDir, { throwIfNoEntry: false })) {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    console.log(`browser: interrupted by ${sig}`);
    cleanup().finally(() => process.exit(1));
  });
}

// Runs a walk: fresh screenshot directory, a watchdog over the whole run, a failure screenshot
// and the server's output when a step fails, cleanup, and the summary line
// `<label>: N passed, M failed` (exit code 0 only when every check passed).
export async function runWalk(walk, { label = 'browser', screenshots = join(HERE, 'screenshots') } = {}) {
  shotsDir = screenshots;
  mkdirSync(shotsDir, { recursive: true });
  for (const f of readdirSync(shotsDir)) if (f.endsWith('.png')) rmSync(join(shotsDir, f));
  console.log(`${label}: ${BIN} with ${CHROMIUM}`);

  const watchdog = setTimeout(() => {
    console.log(`FAIL ${label} test did not finish within ${RUN_TIMEOUT_MS / 1000} s`);
    failed += 1;
    cleanup().finally(() => process.exit(1));
  }, RUN_TIMEOUT_MS);

  try {
    await walk();
  } catch (e) {
    if (!(e instanceof CheckFailed)) {
      failed += 1;
      console.log(`  FAIL unexpected error: ${e.stack || e}`);
    }
    const page = openPages[0];
    if (page) {
      console.log(`       at ${page.url()}`);
      await page.screenshot({ path: join(shotsDir, 'failure.png'), fullPage: true }).catch(() => {});
      console.log(`       screenshot: ${join(shotsDir, 'failure.png')}`);
    }
    if (serverLog) console.log(`--- server output (tail) ---\n${serverLog.slice(-4000)}\n---`);
  } finally {
    clearTimeout(watchdog);
    await cleanup();
  }
  const n = existsSync(shotsDir) ? readdirSync(shotsDir).filter((f) => f.endsWith('.png')).length : 0;
  console.log(`${label}: ${n} screenshots in ${shotsDir}`);
  console.log(`${label}: ${passed} passed, ${failed} failed (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
}
