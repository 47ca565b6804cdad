// Commonplace in a real browser (Debian's chromium through playwright-core, no browser download).
//
// 1. The flows a member, a steward and an administrator go through, asserted on what the page
//    shows, once with JavaScript enabled and once with it disabled.
// 2. axe-core run inside the browser on every page type, in English and in French; any WCAG
//    2.0/2.1 A or AA violation fails the run.
// 3. Every page at 320 CSS pixels wide (a 1280 px screen at 400 % zoom) without sideways
//    scrolling.
// 4. Screenshots of the main pages at desktop and phone widths into docs/screenshots/.
//
// Usage: node flows.mjs BASE_URL ADMIN_NAME ADMIN_PASSWORD (tests/browser/run.sh does it).

import { chromium } from "playwright-core";
import { createRequire } from "node:module";
import { readFileSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import assert from "node:assert/strict";

const [base, adminName, adminPassword] = process.argv.slice(2);
if (!base || !adminName || !adminPassword) {
  console.error("usage: node flows.mjs BASE_URL ADMIN_NAME ADMIN_PASSWORD");
  process.exit(2);
}
const here = path.dirname(fileURLToPath(import.meta.url));
const screenshots = path.join(here, "..", "..", "docs", "screenshots");
const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const PASSWORD = "correct horse battery";

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});

let failures = 0;
async function step(name, fn) {
  const started = Date.now();
  try {
    await fn();
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    failures += 1;
    console.log(`FAIL ${name}\n${e.stack || e}`);
  }
}

async function newPage({ js = true, locale = "en-CA", width = 1280, height = 900, bypassCSP = false } = {}) {
  const context = await browser.newContext({
    javaScriptEnabled: js,
    locale,
    viewport: { width, height },
    bypassCSP,
  });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return page;
}

async function signIn(page, name, password) {
  await page.goto(`${base}/signin`);
  await page.getByLabel(/Username|Nom d'utilisateur/).fill(name);
  await page.getByLabel(/^(Password|Mot de passe)$/).fill(password);
  await page.getByRole("button", { name: /^(Sign in|Se connecter)$/ }).click();
  await page.waitForLoadState();
}

async function text(page) {
  return page.locator("main").innerText();
}

// The whole story, in one mode. Names carry the mode so both runs share one server.
async function flows(js) {
  const mode = js ? "js" : "nojs";
  const group = `design_${mode}`;
  const member = `maria_${mode}`;
  const admin = await newPage({ js });
  const visitor = await newPage({ js });
  let threadUrl;

  await step(`[${mode}] an administrator starts a group`, async () => {
    await signIn(admin, adminName, adminPassword);
    await admin.goto(`${base}/groups/new`);
    await admin.getByLabel("Short name").fill(group);
    await admin.getByLabel("Title", { exact: true }).fill(`Service design (${mode})`);
    await admin.getByLabel("Description").fill("Designers across agencies.");
    await admin.getByRole("button", { name: "Create the group" }).click();
    assert.match(await text(admin), /Your group is ready/);
    assert.equal(await admin.locator("h1").innerText(), `Service design (${mode})`);
  });

  await step(`[${mode}] a visitor registers, with a mistake first`, async () => {
    await visitor.goto(`${base}/register`);
    await visitor.getByLabel("Username").fill(member);
    await visitor.getByLabel("Password").fill("short");
    await visitor.getByLabel("Agency").fill("Health Canada");
    await visitor.getByRole("button", { name: "Create the account" }).click();
    assert.match(await visitor.title(), /^Error: /);
    assert.match(await text(visitor), /There is a problem/);
    const password = visitor.getByLabel("Password");
    assert.equal(await password.getAttribute("aria-invalid"), "true");
    assert.equal(await visitor.getByLabel("Agency").inputValue(), "Health Canada");
    await password.fill(PASSWORD);
    await visitor.getByLabel("Name shown").fill("Maria Lopez");
    await visitor.getByRole("button", { name: "Create the account" }).click();
    assert.match(await text(visitor), /Welcome! Your account is ready/);
    assert.equal(await visitor.locator("h1").innerText(), "Maria Lopez");
  });

  await step(`[${mode}] the member gives their expertise and is found by it`, async () => {
    await visitor.goto(`${base}/settings`);
    await visitor.locator("#expertise").fill(`Plain language ${mode}, Forms`);
    await visitor.getByLabel("Ask me about").fill("Checklists");
    await visitor.getByRole("button", { name: "Save changes" }).click();
    assert.match(await text(visitor), /Saved\./);
    await visitor.goto(`${base}/people`);
    const box = visitor.locator("#expertise");
    const options = visitor.locator("#expertise-suggestions option");
    if (js) {
      // The script asks the server for the tags that start with what was typed.
      await box.pressSequentially(`plain language ${mode}`);
      await visitor.waitForFunction(
        () => document.querySelectorAll("#expertise-suggestions option").length === 1,
      );
      assert.equal(await options.first().getAttribute("value"), `Plain language ${mode}`);
    } else {
      // Without script, the page's own list holds the most common tags.
      assert.ok((await options.count()) >= 2);
      await box.fill(`plain language ${mode}`);
    }
    await visitor.getByRole("button", { name: "Filter" }).click();
    assert.match(await text(visitor), /Maria Lopez/);
    await visitor.getByRole("link", { name: "Forms" }).first().click();
    assert.match(visitor.url(), /\/people\?expertise=forms$/);
  });

  await step(`[${mode}] the member finds and joins the group`, async () => {
    await visitor.goto(`${base}/groups`);
    await visitor.getByRole("link", { name: `Service design (${mode})` }).click();
    await visitor.getByRole("button", { name: "Join" }).click();
    assert.match(await text(visitor), /You joined the group/);
    assert.match(await text(visitor), /2 members/);
  });

  await step(`[${mode}] the member previews and posts a thread`, async () => {
    await visitor.getByRole("link", { name: "Start a thread" }).click();
    await visitor.getByLabel("Title").fill("Plain language checklists");
    await visitor.getByLabel("Text").fill("Does anyone have *one* to share?");
    await visitor.getByRole("button", { name: "Preview" }).click();
    assert.equal(await visitor.locator(".preview em").innerText(), "one");
    await visitor.getByRole("button", { name: "Post thread" }).click();
    assert.match(await text(visitor), /Your thread is posted/);
    assert.equal(await visitor.locator("h1").innerText(), "Plain language checklists");
    threadUrl = visitor.url().split("#")[0];
  });

  await step(`[${mode}] the member replies and votes`, async () => {
    await visitor.getByLabel("Reply to this thread").fill("Here is ours: short sentences first.");
    await visitor.getByRole("button", { name: "Post reply" }).click();
    assert.match(await text(visitor), /Your reply is posted/);
    assert.match(await text(visitor), /Here is ours: short sentences first\./);
    await visitor.locator("#thread").getByRole("button", { name: "Upvote" }).click();
    const up = visitor.locator("#thread").getByRole("button", { name: "Upvote" });
    assert.equal(await up.getAttribute("aria-pressed"), "true");
    assert.match(await visitor.locator("#thread .score").innerText(), /^1 point$/);
  });

  await step(`[${mode}] the member searches from the header`, async () => {
    await visitor.getByLabel("Search this site").fill("checklists");
    await visitor.getByLabel("Search this site").press("Enter");
    await visitor.waitForURL(/\/search\?q=checklists/);
    assert.equal(await visitor.locator("h1").innerText(), "Search");
    assert.equal(await visitor.getByLabel("Words to look for").inputValue(), "checklists");
    assert.match(await visitor.locator(".results").innerText(), /Plain language checklists/);
    // Narrowed to comments, the thread itself is gone and the reply is found.
    await visitor.goto(`${base}/search?q=sentences&kind=comments&scope=local`);
    assert.equal(await visitor.getByLabel("Comments").isChecked(), true);
    assert.equal(await visitor.getByLabel("This instance only").isChecked(), true);
    assert.match(await visitor.locator(".results").innerText(), /Comment/);
    assert.equal(await visitor.locator(".results mark").first().innerText(), "sentences");
    await visitor.locator(".results a", { hasText: "Plain language checklists" }).first().click();
    assert.equal(await visitor.locator("h1").innerText(), "Plain language checklists");
  });

  await step(`[${mode}] a new thread's form shows threads that look alike`, async () => {
    await visitor.goto(`${base}/g/${group}/new`);
    assert.equal(await visitor.locator("#similar").getAttribute("aria-live"), "polite");
    await visitor.getByLabel("Title").fill("Checklists for plain language letters");
    if (!js) {
      // Without script, the preview lists them above the form.
      await visitor.getByRole("button", { name: "Preview" }).click();
    }
    const found = visitor.locator("#similar li a", { hasText: "Plain language checklists" }).first();
    await found.waitFor();
    assert.match(await visitor.locator("#similar h2").innerText(), /Already asked\?/);
    assert.match(await visitor.locator("#similar").innerText(), /Health Canada/);
    await found.click();
    assert.equal(await visitor.locator("h1").innerText(), "Plain language checklists");
    await visitor.goto(threadUrl);
  });

  await step(`[${mode}] the member switches to French`, async () => {
    await visitor.getByRole("button", { name: "Français" }).click();
    assert.equal(await visitor.locator("html").getAttribute("lang"), "fr");
    assert.match(await visitor.locator("header").innerText(), /Se déconnecter/);
    assert.match(await text(visitor), /1 commentaire/);
    // The account remembers it: another page, still French.
    await visitor.goto(`${base}/groups`);
    assert.equal(await visitor.locator("h1").innerText(), "Groupes");
  });

  await step(`[${mode}] the steward pins, removes and restores the thread`, async () => {
    await admin.goto(threadUrl);
    await admin.locator("#thread").getByRole("button", { name: "Pin", exact: true }).click();
    assert.match(await text(admin), /The thread is pinned/);
    assert.match(await admin.locator("#thread .meta").first().innerText(), /Pinned/);
    await admin.locator("#thread").getByRole("button", { name: "Remove", exact: true }).click();
    assert.match(await text(admin), /Removed\./);
    assert.match(await text(admin), /Removed by a steward/);
    await admin.goto(`${base}/g/${group}/steward`);
    assert.match(await admin.locator("#removed").innerText(), /Plain language checklists/);
    await admin.locator("#removed").getByRole("button", { name: /Restore/ }).click();
    assert.match(await text(admin), /Restored\./);
    assert.doesNotMatch(await admin.locator("#removed").innerText(), /Plain language checklists/);
  });

  await step(`[${mode}] the administrator turns on allowlist mode`, async () => {
    await admin.goto(`${base}/admin`);
    await admin.getByLabel("Only the allowed instances").check();
    await admin.getByLabel("Allowed instances", { exact: true }).fill(`peer-${mode}.example\nnot a domain!`);
    await admin.locator("#federation").getByRole("button", { name: "Save changes" }).click();
    assert.match(await text(admin), /There is a problem/);
    assert.match(await text(admin), /Enter a domain name/);
    await admin.getByLabel("Allowed instances", { exact: true }).fill(`peer-${mode}.example`);
    await admin.locator("#federation").getByRole("button", { name: "Save changes" }).click();
    assert.match(await text(admin), /Saved\./);
    assert.equal(await admin.getByLabel("Only the allowed instances").isChecked(), true);
    assert.equal(await admin.getByLabel("Allowed instances", { exact: true }).inputValue(), `peer-${mode}.example`);
    // Back to open, so the other run starts from the same place.
    await admin.getByLabel("Every instance not blocked").check();
    await admin.getByLabel("Allowed instances", { exact: true }).fill("");
    await admin.locator("#federation").getByRole("button", { name: "Save changes" }).click();
    assert.match(await text(admin), /Saved\./);
  });

  await admin.context().close();
  await visitor.context().close();
  return { group, member, threadUrl };
}

async function axeCheck(page, label) {
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    }),
  );
  const problems = result.violations.map(
    (v) =>
      `${v.id} (${v.impact}): ${v.help}\n` +
      v.nodes.map((n) => `    ${n.target.join(" ")}: ${n.failureSummary}`).join("\n"),
  );
  assert.equal(problems.length, 0, `${label}:\n${problems.join("\n")}`);
  return result.passes.length;
}

async function accessibility({ group, member, threadUrl }) {
  // An app asks a member to sign in: the OAuth page is a page of the interface too.
  const registered = await fetch(`${base}/api/v1/apps`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      client_name: "Browser test app",
      redirect_uris: "urn:ietf:wg:oauth:2.0:oob",
      scopes: "read write",
    }),
  }).then((r) => r.json());
  const oauthPage =
    `/oauth/authorize?response_type=code&client_id=${encodeURIComponent(registered.client_id)}` +
    "&redirect_uri=urn:ietf:wg:oauth:2.0:oob&scope=read+write";
  await step("axe finds a known violation (the check can fail)", async () => {
    const page = await newPage({ bypassCSP: true });
    await page.setContent("<html><body><main><input type=text></main></body></html>");
    await assert.rejects(axeCheck(page, "unlabelled input"), /label/);
    await page.context().close();
  });
  const pages = (signedIn) =>
    signedIn
      ? [
          ["home, signed in", "/"],
          ["compose", `/g/${group}/new`],
          ["settings", "/settings"],
          ["steward tools", `/g/${group}/steward`],
          ["administration", "/admin"],
          ["thread as steward", threadUrl.replace(base, "")],
          ["search, signed in", "/search?q=checklists"],
        ]
      : [
          ["home", "/"],
          ["about", "/about"],
          ["groups", "/groups"],
          ["group", `/g/${group}`],
          ["thread", threadUrl.replace(base, "")],
          ["person", `/u/${member}`],
          ["people", "/people"],
          ["people, filtered", "/people?expertise=accessibility&order=name"],
          ["people, a bad filter", "/people?order=loudest"],
          ["search results", "/search?q=checklists"],
          ["search with filters", "/search?q=checklists&kind=threads&since=2020-01-01&scope=local"],
          ["search with an error", "/search?q=%22checklists&since=soon"],
          ["sign in", "/signin"],
          ["register", "/register"],
          ["app sign-in", oauthPage],
          ["not found", "/no/such/page"],
        ];
  for (const locale of ["en-CA", "fr-CA"]) {
    for (const signedIn of [false, true]) {
      const page = await newPage({ locale, bypassCSP: true });
      if (signedIn) await signIn(page, adminName, adminPassword);
      for (const [name, url] of pages(signedIn)) {
        await step(`axe ${locale} ${name}`, async () => {
          await page.goto(`${base}${url}`);
          assert.equal(await page.locator("html").getAttribute("lang"), locale.slice(0, 2));
          await axeCheck(page, `${locale} ${name}`);
        });
      }
      if (signedIn) {
        await step(`axe ${locale} new thread with similar threads listed by script`, async () => {
          await page.goto(`${base}/g/${group}/new`);
          await page.locator("#title").fill("Plain language checklists again");
          await page.locator("#similar li").first().waitFor();
          await axeCheck(page, `${locale} compose with similar threads`);
        });
      }
      if (!signedIn) {
        await step(`axe ${locale} form with errors`, async () => {
          await page.goto(`${base}/register`);
          await page.locator("form[action='/register'] button[type=submit]").click();
          assert.equal(await page.locator("[aria-invalid=true]").count() > 0, true);
          await axeCheck(page, `${locale} register with errors`);
        });
      }
      await page.context().close();
    }
  }
}

async function reflow({ group, threadUrl }) {
  const page = await newPage({ width: 320, height: 640 });
  await signIn(page, adminName, adminPassword);
  for (const url of ["/", "/search?q=checklists", "/groups", "/people", `/g/${group}`, threadUrl.replace(base, ""), "/settings", "/admin", `/g/${group}/steward`]) {
    await step(`320 px wide without sideways scrolling: ${url}`, async () => {
      await page.goto(`${base}${url}`);
      const [scroll, width, wide] = await page.evaluate(() => [
        document.documentElement.scrollWidth,
        window.innerWidth,
        [...document.querySelectorAll("body *")]
          .filter((e) => !e.closest(".table-wrap") && e.getBoundingClientRect().right > window.innerWidth + 1)
          .slice(0, 5)
          .map((e) => `${e.tagName.toLowerCase()}.${e.className} ${Math.round(e.getBoundingClientRect().right)} px`),
      ]);
      assert.ok(scroll <= width, `${url}: ${scroll} px of content in ${width} px: ${wide.join(", ")}`);
    });
  }
  await page.context().close();
}

async function pictures({ group, threadUrl }) {
  mkdirSync(screenshots, { recursive: true });
  const shots = [
    ["home", "/", false],
    ["search", "/search?q=plain+language", false],
    ["group", `/g/${group}`, true],
    ["thread", threadUrl.replace(base, ""), true],
    ["admin", "/admin", true],
  ];
  for (const [device, width, height] of [["desktop", 1280, 860], ["phone", 390, 844]]) {
    const anonymous = await newPage({ width, height });
    const member = await newPage({ width, height });
    await signIn(member, adminName, adminPassword);
    for (const [name, url, signedIn] of shots) {
      await step(`screenshot ${name} (${device})`, async () => {
        const page = signedIn ? member : anonymous;
        await page.goto(`${base}${url}`);
        await page.screenshot({ path: path.join(screenshots, `${name}-${device}.png`) });
      });
    }
    await anonymous.context().close();
    await member.context().close();
  }
}

try {
  const made = await flows(true);
  await flows(false);
  await accessibility(made);
  await reflow(made);
  await pictures(made);
} finally {
  await browser.close();
}
if (failures > 0) {
  console.log(`\n${failures} browser check(s) failed`);
  process.exit(1);
}
console.log("\nall browser checks passed");
