// Drives the web chat page in Debian's chromium through playwright-core.
// Usage: node tests/e2e/webchat.spec.mjs '<json config>'; prints one JSON
// result line on stdout (assertions live in test_webchat.py), exits 1 on error.
// Config: {scenario: "conversation"|"escape", url, artifacts, name,
//          viewport: {width, height}, mobile, question, technique (regex source),
//          full (click a quick reply and reload too), startOver (press "Start over"
//          at the end), timeoutMs}
import { createRequire } from "node:module";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const require = createRequire(new URL("../../web/package.json", import.meta.url));
const { chromium } = require("playwright-core");

const FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];
const BOT = ".rw-from-response .rw-message-text";
const USER = ".rw-from-client .rw-message-text";
const REPLY = ".rw-replies .rw-reply";

const config = JSON.parse(process.argv[2]);
const timeout = config.timeoutMs ?? 90000;

async function launch() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "webchat-profile-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: FLAGS,
    viewport: config.viewport,
    isMobile: Boolean(config.mobile),
    hasTouch: Boolean(config.mobile),
  });
  return { context, profile };
}

// Records requests leaving the loopback interface and console errors.
function watch(page, seen) {
  page.on("request", (request) => {
    const host = new URL(request.url()).hostname;
    if (!["127.0.0.1", "localhost"].includes(host) && !request.url().startsWith("data:")) {
      seen.external.push(request.url());
    }
  });
  page.on("console", (message) => {
    if (message.type() === "error") seen.consoleErrors.push(message.text());
  });
  page.on("pageerror", (error) => seen.consoleErrors.push(String(error)));
}

const texts = (page, selector) =>
  page.$$eval(selector, (nodes) => nodes.map((node) => node.innerText.trim()));

// Waits until more than `count` bot messages exist and one new one matches.
async function waitForBot(page, count, pattern = /\S/) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    const fresh = (await texts(page, BOT)).slice(count);
    if (fresh.some((text) => pattern.test(text))) return fresh;
    await page.waitForTimeout(250);
  }
  throw new Error(`no bot message matching ${pattern} (had ${count}): ${await texts(page, BOT)}`);
}

async function openWidget(page) {
  await page.goto(config.url);
  await page.waitForSelector("button.rw-launcher", { timeout });
  if (!(await page.$(".rw-conversation-container"))) await page.click("button.rw-launcher");
  await page.waitForSelector(".rw-conversation-container", { timeout });
}

async function ask(page, text, pattern) {
  const count = (await texts(page, BOT)).length;
  await page.fill("textarea.rw-new-message", text);
  await page.press("textarea.rw-new-message", "Enter");
  return waitForBot(page, count, pattern);
}

// Horizontal overflow, whether the open widget fits the viewport, and the boxes
// of what the header shows (text boxes of the title and subtitle, not their blocks).
const layout = (page) =>
  page.evaluate(() => {
    const rect = (box) => ({ left: box.left, right: box.right, top: box.top, bottom: box.bottom });
    const visible = (node) => node && node.offsetParent !== null;
    const textBox = (node) => {
      const range = document.createRange();
      range.selectNodeContents(node);
      return rect(range.getBoundingClientRect());
    };
    const header = document.querySelector(".rw-conversation-container .rw-header");
    const parts = {};
    const title = header.querySelector(".rw-title");
    const subtitle = header.querySelector(":scope > span");
    if (title) parts.title = textBox(title);
    if (subtitle) parts.subtitle = textBox(subtitle);
    for (const [name, selector] of [["startOver", ".runner-start-over"], ["close", ".rw-close-button"]]) {
      const node = header.querySelector(selector);
      if (visible(node)) parts[name] = rect(node.getBoundingClientRect());
    }
    return {
      viewportWidth: window.innerWidth,
      pageScrollWidth: document.documentElement.scrollWidth,
      widget: rect(document.querySelector(".rw-conversation-container").getBoundingClientRect()),
      viewportHeight: window.innerHeight,
      header: { box: rect(header.getBoundingClientRect()), parts },
    };
  });

const STORAGE_KEYS = ["chat_session", "mrbot_next_message", "rasaWebchatPro"];
const storage = (page) =>
  page.evaluate((keys) => Object.fromEntries(keys.map((key) => [key, window.localStorage.getItem(key)])),
    STORAGE_KEYS);
const sessionId = (stored) => (stored.chat_session ? JSON.parse(stored.chat_session).session_id : null);

// Presses "Start over": the page reloads and the widget reopens on a new session.
async function startOver(page, result) {
  const before = await storage(page);
  const done = { sessionBefore: sessionId(before), storedBefore: before.chat_session ?? "" };
  await Promise.all([page.waitForEvent("load", { timeout }), page.click(".runner-start-over")]);
  await page.waitForSelector(".rw-conversation-container", { timeout }); // reopened by the page
  done.greeting = await waitForBot(page, 0);
  done.user = await texts(page, USER);
  done.bot = await texts(page, BOT);
  const after = await storage(page);
  done.sessionAfter = sessionId(after);
  done.storedAfter = after.chat_session ?? "";
  result.startOver = done;
}

async function conversation(page, result) {
  await openWidget(page);
  result.greeting = await waitForBot(page, 0);
  result.greetingReplies = await texts(page, REPLY);
  const technique = new RegExp(config.technique, "i");
  result.answer = await ask(page, config.question, technique);
  if (config.full) {
    await page.waitForSelector(REPLY, { state: "visible", timeout });
    result.quickReplies = await texts(page, REPLY);
    const count = (await texts(page, BOT)).length;
    result.clicked = result.quickReplies[0];
    await page.click(`${REPLY} >> nth=0`);
    result.afterClick = await waitForBot(page, count);
    await page.waitForTimeout(3000); // let delayed messages land before reloading
    result.beforeReload = { bot: await texts(page, BOT), user: await texts(page, USER) };
    await page.reload();
    await openWidget(page);
    await page.waitForSelector(BOT, { timeout });
    result.afterReload = { bot: await texts(page, BOT), user: await texts(page, USER) };
  }
  result.layout = await layout(page);
  if (config.startOver) await startOver(page, result);
}

async function escape(page, result) {
  await openWidget(page);
  result.answer = await ask(page, "show me something <b>bold</b>", /a link/);
  result.userTexts = await texts(page, USER);
  const container = ".rw-messages-container";
  result.html = await page.$eval(container, (node) => node.innerHTML);
  result.injected = await page.$$eval(
    `${container} img, ${container} script, ${container} iframe, ${container} b`,
    (nodes) => nodes.map((node) => node.outerHTML),
  );
  result.hrefs = await page.$$eval(`${container} a`, (nodes) =>
    nodes.map((node) => node.getAttribute("href")),
  );
  for (const link of await page.$$(`${container} a:not([href^="http"])`)) {
    await link.click().catch(() => {});
  }
  await page.waitForTimeout(500);
  result.xss = await page.evaluate(() => window.__xss ?? (document.title === "xss" ? "title" : null));
  result.layout = await layout(page);
}

async function main() {
  const result = { external: [], consoleErrors: [] };
  const { context, profile } = await launch();
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(timeout);
    watch(page, result);
    await (config.scenario === "escape" ? escape : conversation)(page, result);
    await page.waitForTimeout(1000); // let the widget's open animation finish
    result.screenshot = path.join(config.artifacts, `webchat-${config.name}.png`);
    await page.screenshot({ path: result.screenshot });
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
