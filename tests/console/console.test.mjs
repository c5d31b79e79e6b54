// The web console in headless Chromium: node tests/console/console.test.mjs URL
//
// Run by tests/console/run, which makes the store (two declared versions, 1.0.0 and 1.1.0, and
// one pending proposal) and passes what to expect in the environment:
//   ISA_CONSOLE_PENDING       the pending proposal's id
//   ISA_CONSOLE_ADDED         the mnemonic 1.1.0 adds
//   ISA_CONSOLE_INSTRUCTIONS  the number of instructions in 1.1.0
//   ISA_CONSOLE_SCREENSHOTS   the folder for the screenshots
//   ISA_CHROMIUM              the browser (default /usr/bin/chromium)
// Each check runs on its own; the last line is "console: N passed, N failed", and the exit code
// is 1 when any check failed.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const base = process.argv[2];
if (!base) {
  console.error("usage: node console.test.mjs URL");
  process.exit(2);
}
const origin = new URL(base).origin;
const env = (name) => {
  const v = process.env[name];
  if (!v) {
    console.error(`console.test.mjs: ${name} is not set (run tests/console/run)`);
    process.exit(2);
  }
  return v;
};
const pendingId = env("ISA_CONSOLE_PENDING");
const added = env("ISA_CONSOLE_ADDED");
const instructions = Number(env("ISA_CONSOLE_INSTRUCTIONS"));
const shots = env("ISA_CONSOLE_SCREENSHOTS");
const at = (path) => new URL(path, base).href;

const profile = mkdtempSync(join(tmpdir(), "isa-console-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.ISA_CHROMIUM || "/usr/bin/chromium",
  headless: true,
  // The machine has no network: without the background-networking flags Chromium stalls on
  // start trying to reach its services.
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
  viewport: { width: 1280, height: 900 },
});
context.setDefaultTimeout(15000);
const page = context.pages()[0] ?? (await context.newPage());

// Every console error, uncaught page error and failed or >= 400 response, on any page.
const problems = [];
page.on("console", (m) => {
  if (m.type() === "error") problems.push(`console error on ${page.url()}: ${m.text()}`);
});
page.on("pageerror", (e) => problems.push(`page error on ${page.url()}: ${e.message}`));
page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
page.on("response", (r) => {
  if (r.status() >= 400) problems.push(`${r.status()} for ${r.url()}`);
});

async function goto(path) {
  const response = await page.goto(at(path));
  assert.ok(response, `no response for ${path}`);
  assert.equal(response.status(), 200, `status of ${path}`);
  return response;
}
const rows = (selector) => page.locator(`${selector} tr:has(td)`);
const text = (selector) => page.locator(selector).innerText();

// Fetches every same-origin link of the current page (without following it in the page).
async function checkLinks() {
  const hrefs = await page.$$eval("a[href]", (as) => as.map((a) => a.href));
  const local = [...new Set(hrefs.filter((h) => new URL(h).origin === origin))];
  assert.ok(local.length > 0, `no same-origin link on ${page.url()}`);
  const bad = [];
  for (const href of local) {
    const r = await context.request.get(href, { maxRedirects: 0 });
    if (r.status() >= 400) bad.push(`${r.status()} ${href}`);
  }
  assert.deepEqual(bad, [], `broken links on ${page.url()}`);
  return local.length;
}

const screenshots = [];
async function screenshot(name) {
  const file = join(shots, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  screenshots.push(file);
}

let passed = 0;
let failed = 0;
async function check(name, fn) {
  try {
    const note = await fn();
    passed++;
    console.log(`ok: ${name}${note ? ` (${note})` : ""}`);
  } catch (e) {
    failed++;
    console.log(`FAILED: ${name}\n  ${String(e.stack || e).replace(/\n/g, "\n  ")}`);
  }
}

await check("/ loads and lists both versions", async () => {
  await goto("/");
  assert.equal(await page.title(), "isa-authority registry · isa-authority");
  const versions = await rows("#versions").locator("td:first-child a").allInnerTexts();
  assert.deepEqual(versions, ["1.1.0", "1.0.0"]);
  await screenshot("index");
});

await check("/ shows the pending proposal, its message escaped", async () => {
  await goto("/");
  const row = rows("#proposals");
  assert.equal(await row.count(), 1);
  const cells = await row.first().locator("td").allInnerTexts();
  assert.equal(cells[1], "1.2.0");
  assert.equal(cells[2], "alice");
  assert.equal(cells[3], "1");
  // The message has angle brackets: shown as text, never as markup.
  assert.equal(cells[4], "adds ROTR <pending>");
  assert.equal(await page.locator("#proposals pending").count(), 0);
});

await check("the pending proposal's link opens its page with the missing approvals", async () => {
  await goto("/");
  await Promise.all([page.waitForURL(`**/proposals/${pendingId}`), page.locator("#proposals a").first().click()]);
  assert.equal(await page.locator("h1").innerText(), "Proposal for 1.2.0");
  const facts = {};
  for (const tr of await page.locator("table.facts tr").all()) {
    facts[await tr.locator("th").innerText()] = await tr.locator("td").innerText();
  }
  assert.equal(facts["Id"], pendingId);
  assert.equal(facts["Missing approvals"], "1");
  assert.equal(facts["Approved by"], "alice");
  assert.equal(facts["Declared"], "not yet");
  await screenshot("proposal");
});

await check("a version link opens /versions/1.1.0 with a rendered map and the instruction table", async () => {
  await goto("/");
  await Promise.all([
    page.waitForURL("**/versions/1.1.0"),
    page.locator("#versions a", { hasText: "1.1.0" }).click(),
  ]);
  assert.equal(await page.locator("h1").innerText(), "Version 1.1.0");
  const svg = page.locator("#map svg");
  assert.equal(await svg.count(), 1);
  const box = await svg.boundingBox();
  assert.ok(box && box.width > 100 && box.height > 100, `map box ${JSON.stringify(box)}`);
  // The map fits the page: no horizontal scrolling.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the window`);
  assert.equal(await rows("#instructions").count(), instructions);
  const mnemonics = await rows("#instructions").locator("td:nth-child(2)").allInnerTexts();
  assert.ok(mnemonics.includes(added), `${added} is not in the instruction table`);
  await screenshot("version");
  return `map ${Math.round(box.width)}x${Math.round(box.height)}, ${instructions} instructions`;
});

await check("the map fits a narrow window", async () => {
  await page.setViewportSize({ width: 480, height: 800 });
  try {
    await goto("/versions/1.1.0");
    const box = await page.locator("#map svg").boundingBox();
    const main = await page.locator("#map").boundingBox();
    assert.ok(box.width > 0 && box.width <= main.width + 1, `map ${box.width}px in a ${main.width}px column`);
    await screenshot("version-narrow");
  } finally {
    await page.setViewportSize({ width: 1280, height: 900 });
  }
});

await check("the diff form shows the added instruction", async () => {
  await goto("/");
  await page.selectOption("select[name=from]", "1.0.0");
  await page.selectOption("select[name=to]", "1.1.0");
  await Promise.all([page.waitForURL("**/diff?**"), page.locator("form[action='/diff'] button").click()]);
  const url = new URL(page.url());
  assert.equal(url.searchParams.get("from"), "1.0.0");
  assert.equal(url.searchParams.get("to"), "1.1.0");
  const changes = rows("#changes");
  assert.equal(await changes.count(), 1);
  const cells = await changes.first().locator("td").allInnerTexts();
  assert.equal(cells[1], added);
  assert.match(cells[0], /add/);
  await screenshot("diff");
});

await check("the check form reports the conflict of two pasted tables", async () => {
  await goto("/check");
  const table = (implementation, opcode) =>
    JSON.stringify(
      {
        implementation,
        opcodes: [
          { opcode: 0, mnemonic: "HALT", format: "A" },
          { opcode, mnemonic: "ADD", format: "E" },
        ],
      },
      null,
      2,
    );
  await page.fill("input[name=name1]", "vm-a.json");
  await page.fill("textarea[name=content1]", table("vm-a", 32));
  await page.fill("input[name=name2]", "vm-b.json");
  await page.fill("textarea[name=content2]", table("vm-b", 48));
  await Promise.all([page.waitForURL("**/check"), page.locator("form[action='/check'] button").click()]);
  assert.match(await text("#summary"), /^[1-9]\d* conflict\(s\) among 2 table\(s\)\.$/);
  const conflicts = rows("#conflicts");
  assert.ok((await conflicts.count()) >= 1, "no row in #conflicts");
  const all = (await conflicts.allInnerTexts()).join("\n");
  assert.match(all, /ADD/);
  // The form comes back filled in.
  assert.equal(await page.inputValue("input[name=name2]"), "vm-b.json");
  await screenshot("check");
  return `${await conflicts.count()} conflict row(s)`;
});

await check("every same-origin link on / answers below 400", async () => {
  await goto("/");
  return `${await checkLinks()} links`;
});

await check("every same-origin link on /versions/1.1.0 answers below 400", async () => {
  await goto("/versions/1.1.0");
  return `${await checkLinks()} links`;
});

await check("no console error, page error or failed request", async () => {
  assert.deepEqual(problems, []);
});

await context.close();
rmSync(profile, { recursive: true, force: true });
for (const file of screenshots) console.log(`screenshot: ${file}`);
console.log(`console: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
