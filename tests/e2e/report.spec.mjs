// Opens the usage report (one local HTML file) in Debian's chromium through playwright-core.
// Usage: node tests/e2e/report.spec.mjs '<json config>'; config: {file, screenshot, timeoutMs}.
// Prints one JSON line: the charts found, how many are drawn with a size, any request
// other than the file itself, console errors. Assertions live in test_review.py.
import { createRequire } from "node:module";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

const require = createRequire(new URL("../../web/package.json", import.meta.url));
const { chromium } = require("playwright-core");

const FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];
const config = JSON.parse(process.argv[2]);
const pageUrl = pathToFileURL(config.file).href;

const profile = fs.mkdtempSync(path.join(os.tmpdir(), "report-profile-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: FLAGS,
  viewport: { width: 1200, height: 900 },
});
const seen = { external: [], consoleErrors: [] };
try {
  const page = context.pages()[0] ?? (await context.newPage());
  page.on("request", (request) => {
    if (request.url() !== pageUrl && !request.url().startsWith("data:")) seen.external.push(request.url());
  });
  page.on("console", (message) => {
    if (message.type() === "error") seen.consoleErrors.push(message.text());
  });
  await page.goto(pageUrl, { timeout: config.timeoutMs ?? 60000, waitUntil: "load" });
  const charts = await page.$$eval("section.chart", (sections) =>
    sections.map((section) => {
      const svg = section.querySelector("svg");
      const box = svg ? svg.getBoundingClientRect() : { width: 0, height: 0 };
      return {
        id: section.id,
        title: section.querySelector("h2")?.textContent ?? "",
        reading: section.querySelector("p.reading")?.textContent ?? "",
        width: box.width,
        height: box.height,
      };
    }));
  if (config.screenshot) await page.screenshot({ path: config.screenshot, fullPage: true });
  console.log(JSON.stringify({ title: await page.title(), charts, ...seen }));
} finally {
  await context.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
