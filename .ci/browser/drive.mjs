// The browser tier: drives the office's page in Debian's chromium through playwright-core, as staff would use it.
// Arguments: base URL (http://127.0.0.1:PORT), staff email, password, Twilio auth token, artifacts directory.
import { createRequire } from "node:module";
import crypto from "node:crypto";
const require = createRequire(process.env.DOCKETD_PLAYWRIGHT_DIR + "/");
const { chromium } = require("playwright-core");

const [base, email, password, authToken, shots] = process.argv.slice(2);
let failures = 0;
function check(ok, what) {
  console.log((ok ? "ok   " : "FAIL ") + what);
  if (!ok) failures++;
}

// A webhook posted to the daemon as Twilio posts it, signed with the account's token.
async function twilio(path, params, what, want = 200) {
  const url = base + path;
  const data = url + Object.keys(params).sort().map((k) => k + params[k]).join("");
  const sig = crypto.createHmac("sha1", authToken).update(data).digest("base64");
  const res = await fetch(url, { method: "POST", body: new URLSearchParams(params),
    headers: { "X-Twilio-Signature": sig } });
  check(res.status === want, `${what} accepted (${res.status})`);
}
let sid = 0;
const reply = (body) => twilio("/twilio/sms", { MessageSid: "SMbrowser" + String(++sid).padStart(24, "0"),
  AccountSid: "AC00000000000000000000000000000000", From: "+12145550142", To: "+12145550199", Body: body },
  `the family's reply "${body}"`);

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true, args: ["--no-sandbox"] });
try {
  // The family's 7-day text (the stand-in's first message) is delivered; they confirm with SÍ, then write.
  await twilio("/twilio/status", { MessageSid: "SM" + "1".padStart(32, "0"), MessageStatus: "delivered",
    AccountSid: "AC00000000000000000000000000000000", To: "+12145550142", From: "+12145550199" }, "delivery report", 204);
  await reply("SI");
  await reply("no vamos a poder ir, estamos enfermos");
  const ctx = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await ctx.newPage();

  await page.goto(base + "/office/");
  check(page.url().endsWith("/office/signin"), "before sign-in the page sends staff to sign in");
  const before = await page.content();
  check(!/Mendoza|A201|555/.test(before), "nothing personal before sign-in");
  await page.screenshot({ path: shots + "/01-signin.png" });

  await page.fill('input[name="email"]', email);
  await page.fill('input[name="password"]', password);
  await Promise.all([page.waitForURL(base + "/office/"), page.click('button[type="submit"]')]);
  const week = await page.content();
  check(week.includes("Rosa María Mendoza López") && week.includes("Mateo Mendoza"), "the Mendoza family is listed");
  check(await page.locator("article.hearing").count() === 1, "the family's four hearings are one row");
  check(await page.locator(".state-delivered").count() === 4, "each member's 7-day text shows delivered");
  check(await page.locator(".state-planned").count() >= 8, "the 3- and 1-day texts show planned");
  check(await page.locator(".confirm.yes").count() === 4, "each member shows the family's SÍ as confirmed");
  await page.screenshot({ path: shots + "/02-week.png", fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: shots + "/03-week-phone.png", fullPage: true });
  await page.setViewportSize({ width: 1100, height: 900 });

  await page.click("text=Inbox");
  check((await page.content()).includes("no vamos a poder ir"), "the reply waits in the inbox");
  check(await page.locator("article.msg.urgent").count() === 1, "it is marked urgent");
  await page.screenshot({ path: shots + "/04-inbox.png", fullPage: true });
  await page.click("text=Mark handled");
  await page.waitForURL(/\/office\/inbox\?done=1$/);
  const inbox = await page.content();
  check(inbox.includes("Marked handled.") && !inbox.includes("no vamos a poder ir"), "marked handled, gone from the inbox");
  await page.goto(base + "/office/inbox?all=1");
  check((await page.content()).includes("Handled: "), "the handled reply says by whom");
  await page.screenshot({ path: shots + "/05-inbox-handled.png", fullPage: true });

  await page.click("text=Held syncs");
  const holds = await page.content();
  check(holds.includes("office-export") && holds.includes("→"), "the held sync shows its changes");
  await page.screenshot({ path: shots + "/06-holds.png", fullPage: true });
  await page.click("text=Apply these changes");
  await page.waitForURL(/applied=office-export/);
  check((await page.content()).includes("No sync is held."), "applied: nothing is held");
  await page.screenshot({ path: shots + "/07-holds-applied.png", fullPage: true });

  await page.click("text=Problems");
  await page.screenshot({ path: shots + "/08-problems.png", fullPage: true });

  // A form whose token was taken out is refused.
  await page.goto(base + "/office/");
  await page.$eval('form.signout input[name="csrf"]', (el) => el.remove());
  const [res] = await Promise.all([page.waitForResponse((r) => r.url().endsWith("/office/signout")),
    page.click("form.signout button")]);
  check(res.status() === 403, `a form without its CSRF token is refused (${res.status()})`);
  // The refusal is a page the form's post navigates to: its response arriving is not the page shown, and a
  // screenshot taken while the navigation commits fails ("Unable to capture screenshot").
  await page.waitForURL(/\/office\/signout$/);
  await page.screenshot({ path: shots + "/09-refused.png" });

  await page.goto(base + "/office/");
  await Promise.all([page.waitForURL(/\/office\/signin$/), page.click("form.signout button")]);
  await page.goto(base + "/office/");
  check(page.url().endsWith("/office/signin"), "signed out");

  // Five wrong passwords lock the account, the right one included, for 15 minutes.
  for (let i = 1; i <= 5; i++) {
    await page.fill('input[name="email"]', email);
    await page.fill('input[name="password"]', "wrong password " + i);
    await Promise.all([page.waitForLoadState(), page.click('button[type="submit"]')]);
  }
  check((await page.content()).includes("locked for 15 minutes"), "five failures lock the account");
  await page.fill('input[name="email"]', email);
  await page.fill('input[name="password"]', password);
  await Promise.all([page.waitForLoadState(), page.click('button[type="submit"]')]);
  check(page.url().endsWith("/office/signin") && (await page.content()).includes("locked for 15 minutes"),
    "the right password is refused while locked");
  await page.screenshot({ path: shots + "/10-locked.png" });

  // The page in Spanish, for a staff member whose language is es.
  const es = await (await browser.newContext({ viewport: { width: 1100, height: 900 } })).newPage();
  await es.goto(base + "/office/signin?lang=es");
  await es.fill('input[name="email"]', "lucia@frontera-legal.example");
  await es.fill('input[name="password"]', password);
  await Promise.all([es.waitForURL(base + "/office/"), es.click('button[type="submit"]')]);
  const semana = await es.content();
  check(semana.includes("Esta semana y la próxima") && semana.includes("martes 8 de febrero de 2028") &&
    semana.includes("7d mensaje: entregado"), "the page in Spanish");
  await es.screenshot({ path: shots + "/11-semana.png", fullPage: true });
} finally {
  await browser.close();
}
if (failures > 0) {
  console.error(`${failures} check(s) failed`);
  process.exit(1);
}
console.log("browser tier: every check passed");
