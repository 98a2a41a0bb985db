// tests/browser/browser.mjs — run by tests/browser/run.sh, which sets
// BASE (raqib's origin), SLUG, WIDGET_URL, SHOTS, CHROMIUM, ARTICLE_JSON and
// PLAYWRIGHT (path of playwright-core's index.mjs).
//
// One PASS/FAIL line per check; exit status 1 when anything failed.
import { readFileSync } from 'node:fs';

import { check, finish, launch, step, watch } from './lib.mjs';

const env = process.env;
const article = JSON.parse(readFileSync(env.ARTICLE_JSON, 'utf8'));
const heading = 'تعليقات القراء على مقال : ' + article.title;

const { browser, ctx } = await launch({ width: 1000, height: 900 });
const page = await ctx.newPage();
const consoleErrors = [];
watch(page, consoleErrors);

const name = 'كريم حداد';
const text = 'يشرح المقال بوضوح كيف تحولت ليبيا بعد سقوط القذافي إلى ساحة صراع بين ' +
	'حكومة الوفاق في طرابلس وقوات حفتر في الشرق.';

await step('article page', async () => {
	const resp = await page.goto(`${env.BASE}/a/${env.SLUG}`);
	check('article: status 200', resp.status() === 200, resp.status());
	const root = await page.evaluate(() => ({
		dir: document.documentElement.getAttribute('dir'),
		lang: document.documentElement.getAttribute('lang'),
		title: document.title,
	}));
	check('article: <html dir="rtl">', root.dir === 'rtl', root.dir);
	check('article: <html lang="ar">', root.lang === 'ar', root.lang);
	const h = page.getByText(heading, { exact: true });
	check('article: comments heading', (await h.count()) === 1, `${await h.count()} matches`);
	const dir = await h.first().evaluate((el) => {
		const sec = el.closest('section, aside, div') || el.parentElement;
		return getComputedStyle(sec).direction + '/' + getComputedStyle(el).direction;
	});
	check('article: comments section computed direction rtl', dir === 'rtl/rtl', dir);
	check('article: first comment shown',
		(await page.getByText('أعاد بناء الجيش الليبي').count()) > 0);

	const hp = page.locator('form [name="honeypot"]');
	check('article: honeypot field present', (await hp.count()) === 1, await hp.count());
	// Hidden from people: no box, off screen, or clipped away by itself or an
	// ancestor (the usual visually-hidden pattern); then also not hit-testable
	// where its box claims to be.
	await hp.scrollIntoViewIfNeeded().catch(() => {});
	const vis = await hp.evaluate((el) => {
		const why = [];
		for (let e = el; e && e !== document.documentElement; e = e.parentElement) {
			const cs = getComputedStyle(e);
			const r = e.getBoundingClientRect();
			if (cs.display === 'none') why.push('display:none');
			if (cs.visibility === 'hidden') why.push('visibility:hidden');
			if (Number(cs.opacity) === 0) why.push('opacity:0');
			if (cs.clipPath && cs.clipPath !== 'none') why.push('clip-path:' + cs.clipPath);
			if (cs.clip && cs.clip !== 'auto') why.push('clip:' + cs.clip);
			if (cs.overflow !== 'visible' && r.width * r.height <= 1) why.push('1px overflow box');
			if (r.right <= 0 || r.bottom <= 0 || r.left >= innerWidth + 5000) why.push('off screen');
		}
		const r = el.getBoundingClientRect();
		const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
		const ariaHidden = !!el.closest('[aria-hidden="true"]');
		return { why, hittable: hit === el, ariaHidden,
			box: [Math.round(r.left), Math.round(r.top), Math.round(r.width), Math.round(r.height)] };
	});
	check('article: honeypot not visible to people', vis.why.length > 0 && !vis.hittable,
		JSON.stringify(vis));
	check('article: honeypot hidden from screen readers (aria-hidden)', vis.ariaHidden);
	const hpTab = await hp.getAttribute('tabindex');
	check('article: honeypot out of the tab order', hpTab === '-1', hpTab);

	await page.locator('form [name="name"]').fill(name);
	await page.locator('form [name="comment"]').fill(text);
	await page.locator('form [name="consent"]').check();
	await page.screenshot({ path: `${env.SHOTS}/article.png`, fullPage: true });
	await Promise.all([
		page.waitForURL(/[?&]r=/, { timeout: 10000 }),
		page.locator('form[action$="/comments"] [type="submit"]').first().click(),
	]);
	const url = new URL(page.url());
	check('form: redirected to the article with ?r= and #raqib-notice',
		url.pathname === `/a/${env.SLUG}` && url.hash === '#raqib-notice', page.url());
	const notice = page.getByRole('status');
	check('form: one notice (role=status)', (await notice.count()) >= 1, await notice.count());
	check('form: notice visible', await notice.first().isVisible());
	const nt = (await notice.first().innerText()).trim();
	check('form: notice has Arabic text', /[\u0600-\u06FF]/.test(nt), nt);
	check('form: comment published on the page',
		(await page.getByText('ساحة صراع بين', { exact: false }).count()) > 0);
	await page.screenshot({ path: `${env.SHOTS}/notice.png`, fullPage: true });
});

await step('widget', async () => {
	const wp = await ctx.newPage();
	const errs = [];
	watch(wp, errs);
	const resp = await wp.goto(env.WIDGET_URL);
	check('widget: host page 200', resp.status() === 200, resp.status());
	await wp.getByText('أعاد بناء الجيش الليبي', { exact: false }).first()
		.waitFor({ timeout: 10000 });
	check('widget: renders the comments', true);
	check('widget: renders the heading', (await wp.getByText(heading).count()) >= 1);
	const form = wp.locator('form').first();
	check('widget: renders the form', (await form.count()) === 1);
	const wtext = 'أعتقد أن حكومة الوفاق في طرابلس تحتاج إلى دعم دولي أوسع حتى تنجح ' +
		'في توحيد مؤسسات ليبيا كما يشرح المقال عن حفتر.';
	await form.locator('[name="name"]').fill('سلمى يوسف');
	await form.locator('textarea').fill(wtext);
	const consent = form.locator('[name="consent"]');
	if (await consent.count()) await consent.check();
	await wp.screenshot({ path: `${env.SHOTS}/widget-form.png`, fullPage: true });
	await form.locator('[type="submit"]').first().click();
	const msg = wp.getByRole('status');
	await msg.first().waitFor({ timeout: 10000 });
	await wp.waitForFunction(() => {
		const s = document.querySelector('[role="status"]');
		return s && /[\u0600-\u06FF]/.test(s.textContent);
	}, null, { timeout: 10000 });
	const mt = (await msg.first().innerText()).trim();
	check('widget: shows the Arabic message after posting', /[\u0600-\u06FF]/.test(mt), mt);
	check('widget: stays on the host page', wp.url().startsWith(env.WIDGET_URL), wp.url());
	await wp.waitForTimeout(300);
	await wp.screenshot({ path: `${env.SHOTS}/widget.png`, fullPage: true });
	check('widget: no script errors', errs.length === 0, errs.join(' | '));
	// The comment went through the API: it is on the article page now.
	const r = await wp.request.get(`${env.BASE}/api/v1/articles/${env.SLUG}/comments`);
	const j = await r.json();
	check('widget: comment stored and published',
		j.comments.some((c) => c.text === wtext), JSON.stringify(j.comments.map((c) => c.id)));
});

check('article: no script errors', consoleErrors.length === 0, consoleErrors.join(' | '));
await finish(browser, 'browser.mjs');
