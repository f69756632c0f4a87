// Browser test: drives Debian's Chromium through Embargo's pages with playwright-core.
//
// Starts `$EMBARGO_BIN serve` on a free loopback port with a fresh data directory, then walks
// setup → login → TOTP enrolment → recovery codes → API token (checked against /api/v1/me)
// → logout → login with TOTP → users → audit log → logout, checking each page, the layout at
// 360 px, and that no Content-Security-Policy violation or script error shows up. Full-page
// screenshots go to ./screenshots/ (gitignored). Helpers shared with report.mjs are in lib.mjs.
//
//   EMBARGO_BIN=target/debug/embargo node tests/browser/run.mjs
//
// Env: EMBARGO_BIN (required), CHROMIUM (default /usr/bin/chromium), BROWSER_TIMEOUT_SECS
// (whole run, default 180). Exit code 0 when every check passed, 1 otherwise.

import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import {
  BIN,
  NARROW,
  WIDE,
  currentStep,
  expect,
  expectedErrors,
  launchBrowser,
  newPage,
  pageProblems,
  runWalk,
  sleep,
  startServer,
  step,
  totp,
} from './lib.mjs';
import * as lib from './lib.mjs';

const ADMIN = {
  email: 'admin@example.org',
  name: 'Ada Admin',
  // Random, so never on the common-password list, and ≥ 12 characters.
  password: `emb-${randomBytes(12).toString('hex')}`,
};
const MEMBER = { email: 'dev@example.org', name: 'Dana Developer', role: 'developer' };

// ---------------------------------------------------------------- page helpers (lib.mjs, on the one page)

let page = null;
const shot = (name) => lib.shot(page, name);
const text = (selector) => lib.text(page, selector);
const goto = (base, path) => lib.goto(page, base, path);
const submit = (buttonName, urlPattern) => lib.submit(page, buttonName, urlPattern);
const noHorizontalOverflow = (label) => lib.noHorizontalOverflow(page, label);
const expectLoggedInAs = (email) => lib.expectLoggedInAs(page, email);

// ---------------------------------------------------------------- the walk

async function walk() {
  let base;
  let setupLink;
  let secret;
  let enrolStep;
  let token;

  await step('server starts and prints its URL and a setup link', async () => {
    expect(BIN, 'EMBARGO_BIN is not set (path to the embargo binary)');
    expect(existsSync(BIN), `EMBARGO_BIN=${BIN} does not exist`);
    ({ base, setupLink } = await startServer());
    expect(setupLink.startsWith(`${base}/setup/`), `setup link ${setupLink} is not under ${base}`);
  });

  await step('Chromium starts', async () => {
    await launchBrowser();
    page = await newPage();
  });

  await step('setup link creates the first administrator', async () => {
    const res = await page.goto(setupLink);
    expect(res && res.status() === 200, `setup page status ${res && res.status()}`);
    const styled = await page.evaluate(() => {
      const card = document.querySelector('.card');
      return card ? getComputedStyle(card).borderTopLeftRadius : null;
    });
    expect(styled && styled !== '0px', `style.css is not applied (card border radius: ${styled})`);
    await shot('setup');
    await page.fill('input[name=email]', ADMIN.email);
    await page.fill('input[name=display_name]', ADMIN.name);
    await page.fill('input[name=password]', ADMIN.password);
    await page.fill('input[name=password_confirm]', ADMIN.password);
    await submit('Set password', /\/login\?notice=password-set$/);
    expect((await page.locator('.flash').count()) === 1, 'no confirmation shown after setting the password');
    await shot('login-after-setup');
    expectedErrors.add(`GET ${setupLink}`);
    const again = await page.goto(setupLink);
    expect(again && again.status() >= 400, `setup link still works after use (status ${again && again.status()})`);
  });

  await step('wrong password refused, right password logs in', async () => {
    await goto(base, '/login');
    await shot('login');
    // A wrong password first: refused with a message, no session.
    expectedErrors.add(`POST ${base}/login`);
    await page.fill('input[name=email]', ADMIN.email);
    await page.fill('input[name=password]', `${ADMIN.password}-wrong`);
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    await page.locator('.error').waitFor();
    expect(new URL(page.url()).pathname === '/login', `wrong password led to ${page.url()}`);
    await shot('login-error');
    expectedErrors.delete(`POST ${base}/login`);
    await page.fill('input[name=email]', ADMIN.email);
    await page.fill('input[name=password]', ADMIN.password);
    await submit('Log in', `${base}/`);
    expect((await text('h1')).includes(ADMIN.name), `dashboard greets "${await text('h1')}"`);
    expect(
      (await page.locator('nav a[aria-current="page"]').innerText()).trim() === 'Dashboard',
      'Dashboard is not marked as the current page in the nav',
    );
    await expectLoggedInAs(ADMIN.email);
    await shot('dashboard');
  });

  await step('enrol TOTP two-factor authentication', async () => {
    await goto(base, '/account');
    await shot('account-before-2fa');
    await page.getByRole('link', { name: 'Set up two-factor authentication' }).click();
    await page.waitForURL(/\/account\/totp/);
    secret = await text('#totp-secret');
    expect(/^[A-Z2-7=\s]{16,}$/i.test(secret), `unexpected TOTP secret ${JSON.stringify(secret)}`);
    await shot('totp-enrol');
    enrolStep = currentStep();
    await page.fill('input[name=code]', totp(secret, enrolStep));
    await submit('Enable two-factor authentication', /\/account\/totp/);
  });

  await step('recovery codes are shown once', async () => {
    const codes = await page.locator('#recovery-codes li').allInnerTexts();
    expect(codes.length >= 5, `expected recovery codes, found ${codes.length}`);
    expect(new Set(codes).size === codes.length, 'recovery codes repeat');
    await shot('recovery-codes');
    await page.getByRole('link', { name: 'I have saved them' }).click();
    await page.waitForURL(/\/account$/);
    const status = await text('.card .pill');
    expect(status === 'On', `account page says two-factor is "${status}"`);
    await shot('account');
  });

  await step('create an API token', async () => {
    await goto(base, '/account/tokens');
    await page.fill('input[name=name]', 'browser test');
    await page.selectOption('select[name=scope]', 'read');
    await page.fill('input[name=expires_in_days]', '7');
    await page.getByRole('button', { name: 'Create token', exact: true }).click();
    await page.locator('#new-token').waitFor();
    token = await text('#new-token');
    expect(token.length >= 20, `token looks too short: ${token}`);
    const rows = await page.locator('table tbody tr').allInnerTexts();
    expect(rows.some((r) => r.includes('browser test')), 'new token is not listed');
    expect(!rows.join('\n').includes(token), 'token secret is listed in the table');
    await shot('tokens');
  });

  await step('API token authenticates /api/v1/me', async () => {
    const res = await fetch(`${base}/api/v1/me`, { headers: { Authorization: `Bearer ${token}` } });
    const body = await res.text();
    expect(res.status === 200, `/api/v1/me with the token: ${res.status} ${body}`);
    const me = JSON.parse(body);
    expect(me.email === ADMIN.email, `/api/v1/me says email ${me.email}`);
    const bad = await fetch(`${base}/api/v1/me`, { headers: { Authorization: `Bearer ${token}x` } });
    expect(bad.status === 401, `/api/v1/me with a wrong token: ${bad.status}, expected 401`);
  });

  await step('log out', async () => {
    await submit('Log out', /\/login\?notice=logged-out$/);
    expect((await page.locator('.topbar nav').count()) === 0, 'navigation still shown after logout');
    const res = await page.goto(`${base}/account`);
    expect(/\/login/.test(page.url()), `/account after logout went to ${page.url()} (${res && res.status()})`);
  });

  await step(`login page fits ${NARROW.width} px`, async () => {
    await page.setViewportSize(NARROW);
    await goto(base, '/login');
    await shot('login-360px');
    await noHorizontalOverflow('login page');
  });

  await step('log in again with password and TOTP', async () => {
    await page.setViewportSize(WIDE);
    await goto(base, '/login');
    await page.fill('input[name=email]', ADMIN.email);
    await page.fill('input[name=password]', ADMIN.password);
    await submit('Log in', /\/login\/totp$/);
    await shot('login-totp');
    // A code is accepted once: the enrolment used this time step, so wait for the next one.
    while (currentStep() <= enrolStep) await sleep(250);
    await page.fill('input[name=code]', totp(secret, currentStep()));
    await submit('Verify', `${base}/`);
    await expectLoggedInAs(ADMIN.email);
    const pill = await text('.card .pill');
    expect(pill === '2FA on', `dashboard says "${pill}"`);
    await shot('dashboard-2fa');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot('dashboard-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  await step(`dashboard fits ${NARROW.width} px`, async () => {
    await page.setViewportSize(NARROW);
    await goto(base, '/');
    await shot('dashboard-360px');
    await noHorizontalOverflow('dashboard');
    await goto(base, '/admin/users');
    await noHorizontalOverflow('users page');
    await shot('users-360px');
    await page.setViewportSize(WIDE);
  });

  await step('admin creates a user and gets a one-time link', async () => {
    await goto(base, '/admin/users');
    await page.fill('form[action="/admin/users"] input[name=email]', MEMBER.email);
    await page.fill('form[action="/admin/users"] input[name=display_name]', MEMBER.name);
    await page.selectOption('form[action="/admin/users"] select[name=role]', MEMBER.role);
    await page.getByRole('button', { name: 'Create and get link', exact: true }).click();
    await page.locator('#setup-link').waitFor();
    const link = await text('#setup-link');
    expect(link.startsWith(`${base}/setup/`), `setup link ${link} is not under ${base}/setup/`);
    const row = page.locator('table tbody tr', { hasText: MEMBER.email });
    expect((await row.count()) === 1, `${MEMBER.email} is not listed once`);
    const status = await row.locator('.pill').last().innerText();
    expect(status.trim() === 'invited', `new user's status is "${status}", expected invited`);
    await shot('users');
  });

  await step('audit log lists what happened, chain intact', async () => {
    await goto(base, '/admin/audit');
    const verdict = page.locator('[role=status].notice');
    expect((await verdict.count()) === 1, `audit chain not reported intact: ${await text('[role=status]')}`);
    const actions = await page.locator('table tbody td code').allInnerTexts();
    for (const a of ['login.success', 'user.totp_enabled', 'token.created', 'user.created']) {
      expect(actions.includes(a), `audit log lacks ${a}; has ${[...new Set(actions)].join(', ')}`);
    }
    await shot('audit');
    await page.setViewportSize(NARROW);
    await noHorizontalOverflow('audit log');
    await page.setViewportSize(WIDE);
  });

  await step('log out at the end', async () => {
    await submit('Log out', /\/login\?notice=logged-out$/);
    await shot('logged-out');
  });

  await step('no CSP violations, script errors or unexpected HTTP errors', async () => {
    expect(pageProblems.length === 0, pageProblems.join('\n'));
  });
}

await runWalk(walk, { label: 'browser' });
