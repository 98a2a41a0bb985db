// tests/browser/lib.mjs — shared by browser.mjs and admin.mjs: Debian's
// chromium through playwright-core (env CHROMIUM and PLAYWRIGHT, set by
// tests/browser/lib.sh), one PASS/FAIL line per check, the error watch and
// the exit status (1 when anything failed).

const env = process.env;
let failed = 0;

export function check(name, ok, detail) {
	if (ok) console.log(`PASS ${name}`);
	else {
		failed++;
		console.log(`FAIL ${name}${detail === undefined ? '' : ': ' + detail}`);
	}
}

// Runs fn; an exception fails the step (its first line reported) and the
// script goes on with the next one.
export async function step(name, fn) {
	try {
		await fn();
	} catch (e) {
		failed++;
		console.log(`FAIL ${name}: ${e && e.message ? e.message.split('\n')[0] : e}`);
	}
}

// Collects into errs the script errors, CSP violations and failed loads of
// page p (a missing favicon aside).
export function watch(p, errs) {
	p.on('console', (m) => {
		if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) errs.push(m.text());
	});
	p.on('pageerror', (e) => errs.push(String(e)));
	p.on('response', (r) => {
		if (r.status() >= 400 && !new URL(r.url()).pathname.endsWith('/favicon.ico'))
			errs.push(`${r.status()} ${r.url()}`);
	});
}

// { browser, ctx }: chromium and an Arabic-locale context of this viewport.
export async function launch(viewport) {
	const { chromium } = await import(env.PLAYWRIGHT);
	const browser = await chromium.launch({
		executablePath: env.CHROMIUM || '/usr/bin/chromium',
		args: ['--no-sandbox', '--disable-gpu', '--font-render-hinting=none'],
	});
	const ctx = await browser.newContext({ locale: 'ar', viewport });
	return { browser, ctx };
}

// Closes the browser, prints the summary line of `script` and exits.
export async function finish(browser, script) {
	await browser.close();
	console.log(failed ? `${script}: ${failed} failed` : `${script}: all passed`);
	process.exit(failed ? 1 : 0);
}
