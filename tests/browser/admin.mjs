// tests/browser/admin.mjs — run by tests/browser/run_admin.sh, which sets
// BASE (raqib's origin), SLUG, SHOTS, CHROMIUM, EDITOR, PASSWORD and
// PLAYWRIGHT (path of playwright-core's index.mjs).
//
// The editors' desk (docs/admin.md) as an editor uses it: log in, the queue
// with the offending words in <mark>, the keyboard (j/k move between
// comments, e focuses the edit box), edit + save, approve, and the edited
// text on the public article page. One PASS/FAIL line per check; exit
// status 1 when anything failed.

import { check, finish, launch, step, watch } from './lib.mjs';

const env = process.env;
const { browser, ctx } = await launch({ width: 1100, height: 900 });
const page = await ctx.newPage();
const errors = [];
watch(page, errors);

const EDITED = 'أرى أن الكاتب لم ينصف حفتر في تحليله لأوضاع ليبيا (تعديل المحرر: jk e).';

// The comment id of the queue item holding `el` (or el itself): the first
// ancestor that contains a link or form to /admin/comments/N.
function itemIdIn() {
	let e = document.activeElement;
	const idOf = (x) => {
		const m = /\/admin\/comments\/(\d+)/.exec(x.getAttribute('href') || x.getAttribute('action') || '');
		return m ? m[1] : null;
	};
	for (; e && e !== document.body; e = e.parentElement) {
		if (e.dataset && e.dataset.id) return e.dataset.id;
		const own = idOf(e);
		if (own) return own;
		const inner = e.querySelector('a[href*="/admin/comments/"], form[action*="/admin/comments/"]');
		if (inner) return idOf(inner);
	}
	return null;
}

let editedId = null;

await step('login', async () => {
	const r = await page.goto(`${env.BASE}/admin`);
	check('login: /admin redirects to the login page', new URL(page.url()).pathname === '/admin/login',
		page.url());
	check('login: page 200', r.status() === 200, r.status());
	const dir = await page.evaluate(() => document.documentElement.getAttribute('dir'));
	check('login: <html dir="rtl">', dir === 'rtl', dir);
	await page.locator('[name="user"]').fill(env.EDITOR);
	await page.locator('[name="password"]').fill(env.PASSWORD);
	await page.screenshot({ path: `${env.SHOTS}/admin-login.png`, fullPage: true });
	await Promise.all([
		page.waitForURL((u) => u.pathname === '/admin', { timeout: 10000 }),
		page.locator('form:has([name="password"]) [type="submit"], form:has([name="password"]) button')
			.first().click(),
	]);
	check('login: lands on the queue', new URL(page.url()).pathname === '/admin', page.url());
});

await step('queue', async () => {
	const dir = await page.evaluate(() => ({
		dir: document.documentElement.getAttribute('dir'),
		lang: document.documentElement.getAttribute('lang'),
		computed: getComputedStyle(document.body).direction,
	}));
	check('queue: rtl Arabic page', dir.dir === 'rtl' && dir.lang === 'ar' && dir.computed === 'rtl',
		JSON.stringify(dir));
	const marks = page.locator('mark');
	const texts = await marks.allInnerTexts();
	check('queue: the insult words are in <mark>', texts.includes('غبي') && texts.includes('وحمار'),
		JSON.stringify(texts));
	const m = page.locator('mark', { hasText: 'وحمار' }).first();
	check('queue: <mark> visible', await m.isVisible());
	const bg = await m.evaluate((el) => getComputedStyle(el).backgroundColor);
	check('queue: <mark> is highlighted', bg !== 'rgba(0, 0, 0, 0)' && bg !== 'transparent', bg);
	check('queue: shows the published comment? no',
		(await page.getByText('أعاد بناء الجيش الليبي').count()) === 0);
	await page.screenshot({ path: `${env.SHOTS}/admin-queue.png`, fullPage: true });
});

await step('keyboard', async () => {
	await page.locator('body').click({ position: { x: 5, y: 5 } });
	await page.keyboard.press('j');
	const a = await page.evaluate(itemIdIn);
	await page.keyboard.press('j');
	const b = await page.evaluate(itemIdIn);
	await page.keyboard.press('k');
	const c = await page.evaluate(itemIdIn);
	check('keyboard: j focuses a queue item', a !== null, String(a));
	check('keyboard: j again moves to another item', b !== null && b !== a, `${a} -> ${b}`);
	check('keyboard: k moves back', c === a, `${a} -> ${b} -> ${c}`);
	await page.keyboard.press('e');
	await page.waitForFunction(() => {
		const e = document.activeElement;
		return e && (e.tagName === 'TEXTAREA' || (e.tagName === 'INPUT' && e.name === 'text'));
	}, null, { timeout: 5000 });
	const ta = page.locator('textarea:focus, input[name="text"]:focus');
	check('keyboard: e focuses the edit box', (await ta.count()) === 1);
	const form = ta.locator('xpath=ancestor::form');
	const action = await form.getAttribute('action');
	const mm = /\/admin\/comments\/(\d+)/.exec(action || '');
	editedId = mm ? mm[1] : null;
	check('keyboard: the edit box is the focused comment\'s', editedId !== null && editedId === a,
		`form action ${action}, focused item ${a}`);
	// Typing Latin letters into the box must not trigger the shortcuts.
	await page.keyboard.press('Control+A');
	await page.keyboard.type(EDITED);
	const val = await ta.inputValue();
	check('keyboard: typing in the box is not taken as shortcuts', val === EDITED, val);
	const save = form.locator('button[value="edit"], input[type="submit"][value="edit"], ' +
		'[type="submit"], button:not([type])').first();
	await Promise.all([page.waitForLoadState('load'), page.waitForNavigation({ timeout: 10000 }),
		save.click()]);
	check('edit: saved without an error page', (await page.locator('body').innerText()).length > 0);
});

await step('approve', async () => {
	if (!editedId) throw new Error('no edited comment id');
	await page.goto(`${env.BASE}/admin/comments/${editedId}`);
	const body = await page.content();
	check('comment page: shows the edited text', body.includes('تعديل المحرر'), 'edited text missing');
	check('comment page: shows a diff', /<del\b/.test(body) && /<ins\b/.test(body));
	await page.screenshot({ path: `${env.SHOTS}/admin-comment.png`, fullPage: true });
	const approve = page.locator('button[name="action"][value="approve"], ' +
		'input[type="submit"][name="action"][value="approve"]').first();
	check('comment page: approve button', (await approve.count()) === 1);
	await Promise.all([page.waitForNavigation({ timeout: 10000 }), approve.click()]);
	await page.goto(`${env.BASE}/a/${env.SLUG}`);
	check('article: shows the edited, approved comment',
		(await page.getByText('لم ينصف حفتر', { exact: false }).count()) > 0);
	check('article: not the original insult',
		(await page.getByText('يا كاتب المقال عن حفتر', { exact: false }).count()) === 0 ||
		editedId === null);
});

await step('stats', async () => {
	const r = await page.goto(`${env.BASE}/admin/stats`);
	check('stats: 200', r.status() === 200, r.status());
	const svg = page.locator('svg');
	check('stats: an svg chart', (await svg.count()) >= 1, await svg.count());
	if (await svg.count()) {
		const box = await svg.first().boundingBox();
		check('stats: the chart has a size', box && box.width > 50 && box.height > 20, JSON.stringify(box));
		const bars = await page.locator('svg rect, svg path').count();
		check('stats: bars drawn', bars >= 2, bars);
	}
	await page.screenshot({ path: `${env.SHOTS}/admin-stats.png`, fullPage: true });
});

check('desk: no script errors or CSP violations', errors.length === 0, errors.join(' | '));
await finish(browser, 'admin.mjs');
