/*
 * raqib comments widget (served at /widget.js). Dependency-free, no build step.
 *
 *   <div id="raqib-comments" data-article="SLUG"></div>
 *   <script src="https://comments.example/widget.js" async></script>
 *
 * Every div#raqib-comments[data-article] and .raqib-comments[data-article]
 * on the page gets the comments, pagination, terms and the form
 * (data-raqib-article is accepted too, on the element or, for a bare
 * div#raqib-comments, on this script tag). Optional attributes: data-api
 * (server origin; default: this script's origin), data-terms (the terms
 * shown above the form), data-title (heading until the server answers).
 *
 * Data never goes through innerHTML: every name and text is set with
 * textContent / text nodes, so a comment cannot inject markup.
 *
 * Styles: the widget adds one <style> with a minimal look unless the page
 * already links raqib.css. The honeypot is also moved off screen through
 * the CSSOM (allowed under a strict style-src CSP, unlike style attributes)
 * so that a blocked <style> never shows it to people.
 */
(function () {
	'use strict';

	var script = document.currentScript;
	var scriptOrigin = location.origin;
	try {
		if (script && script.src) scriptOrigin = new URL(script.src, location.href).origin;
	} catch (e) { /* keep the page's origin */ }

	var T = {
		heading: 'تعليقات القراء على مقال : ',
		none: 'لا توجد تعليقات بعد.',
		loading: 'جارٍ تحميل التعليقات…',
		loadFail: 'تعذّر تحميل التعليقات.',
		retry: 'إعادة المحاولة',
		prev: '→ السابقة',
		next: 'التالية ←',
		pageOf: function (p, n) { return 'الصفحة ' + p + ' من ' + n; },
		add: 'أضف تعليقًا',
		name: 'الاسم',
		text: 'التعليق',
		hp: 'To prevent automated spam submissions leave this field empty.',
		consent: 'إرسال التعليق يعني موافقتي على شروط الاستخدام المذكورة أعلاه.',
		submit: 'إرسال التعليق',
		sending: 'جارٍ الإرسال…',
		sendFail: 'تعذّر إرسال تعليقك، حاول مرة أخرى.',
		terms: 'لهيئة التحرير الحق في اختصار التعليق أو عدم نشره، خاصة إذا تضمن إساءة إلى ' +
			'أشخاص أو تعبيرات عنصرية أو كان لا يتعلق بالموضوع أو مكتوبًا بلهجة عامية أو ' +
			'بلغة أجنبية أو باسم غير حقيقي. لا تضع أرقام هواتف، فالتعليقات متاحة لمحركات البحث.',
		pages: 'صفحات التعليقات'
	};

	var CSS = [
		'.raqib-widget{font-family:"Noto Naskh Arabic","Noto Sans Arabic",Tahoma,system-ui,sans-serif;line-height:1.8;max-width:46rem}',
		'.raqib-widget .raqib-comment{border:1px solid #dcdcd6;border-radius:6px;padding:.75rem 1rem;margin:.75rem 0}',
		'.raqib-widget .raqib-comment-text{margin:0 0 .5rem;overflow-wrap:anywhere}',
		'.raqib-widget .raqib-comment-meta,.raqib-widget .raqib-terms,.raqib-widget .raqib-empty{color:#5b5b66;font-size:.9rem}',
		'.raqib-widget .raqib-comment-author{font-weight:600;color:inherit}',
		'.raqib-widget .raqib-pages{display:flex;gap:.75rem;align-items:center;flex-wrap:wrap}',
		'.raqib-widget label{display:block;font-weight:600}',
		'.raqib-widget .raqib-consent label{display:inline;font-weight:400}',
		'.raqib-widget .raqib-field input,.raqib-widget textarea{box-sizing:border-box;width:100%;font:inherit;padding:.4rem .6rem}',
		'.raqib-widget .raqib-hp{position:absolute;width:1px;height:1px;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);clip-path:inset(50%);white-space:nowrap}',
		'.raqib-widget .raqib-notice{border-radius:6px;padding:.6rem 1rem;margin:1rem 0}',
		'.raqib-widget .raqib-notice:empty{display:none}',
		'.raqib-widget .raqib-notice-published,.raqib-widget .raqib-notice-shortened{background:#e8f5ec;color:#145a2b}',
		'.raqib-widget .raqib-notice-pending{background:#fff6e0;color:#6b4a00}',
		'.raqib-widget .raqib-notice-rejected,.raqib-widget .raqib-notice-error{background:#fdecec;color:#8a1c1c}',
		'.raqib-widget :focus-visible{outline:3px solid #d97706;outline-offset:2px}'
	].join('\n');

	function addStyle() {
		if (document.querySelector('link[href$="raqib.css"], style[data-raqib]')) return;
		var st = document.createElement('style');
		st.setAttribute('data-raqib', '');
		st.textContent = CSS;
		(document.head || document.documentElement).appendChild(st);
	}

	/* h('p', {className: 'x'}, child...) — properties only, children are
	 * nodes or strings (strings become text nodes). */
	function h(tag, props) {
		var el = document.createElement(tag);
		var k;
		if (props) for (k in props) if (Object.prototype.hasOwnProperty.call(props, k)) {
			if (k.slice(0, 5) === 'attr:') el.setAttribute(k.slice(5), props[k]);
			else el[k] = props[k];
		}
		for (var i = 2; i < arguments.length; i++) {
			var c = arguments[i];
			if (c == null) continue;
			el.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
		}
		return el;
	}

	/* Text with line breaks, as text nodes and <br> elements. */
	function lines(el, text) {
		String(text || '').split(/\r\n|\r|\n/).forEach(function (line, i) {
			if (i) el.appendChild(document.createElement('br'));
			el.appendChild(document.createTextNode(line));
		});
		return el;
	}

	function pad(n) { return (n < 10 ? '0' : '') + n; }
	function displayTime(c) {
		if (c.time) return c.time;
		var d = new Date(c.created_at);
		if (isNaN(d)) return '';
		return pad(d.getDate()) + '.' + pad(d.getMonth() + 1) + '.' + d.getFullYear() +
			' | ' + pad(d.getHours()) + ':' + pad(d.getMinutes());
	}

	var counter = 0;

	function mount(root) {
		if (root.getAttribute('data-raqib-mounted')) return;
		root.setAttribute('data-raqib-mounted', '1');
		var slug = root.getAttribute('data-article') || root.getAttribute('data-raqib-article') ||
			(script && script.getAttribute('data-raqib-article')) ||
			(script && script.getAttribute('data-article'));
		if (!slug) return;
		var base = (root.getAttribute('data-api') || root.getAttribute('data-raqib-api') ||
			scriptOrigin).replace(/\/+$/, '');
		var url = base + '/api/v1/articles/' + encodeURIComponent(slug) + '/comments';
		var uid = 'raqib-w' + (++counter);
		var st = { page: 1, pages: 1, token: '', busy: false };

		root.dir = 'rtl';
		root.lang = 'ar';
		root.classList.add('raqib-comments', 'raqib-widget');
		while (root.firstChild) root.removeChild(root.firstChild);

		var titleText = document.createTextNode(root.getAttribute('data-title') || '');
		var heading = h('h2', { id: uid + '-title', tabIndex: -1 }, T.heading, titleText);
		var list = h('div', { className: 'raqib-comment-list', 'attr:aria-busy': 'true' },
			h('p', { className: 'raqib-empty' }, T.loading));
		var nav = h('nav', { className: 'raqib-pages', hidden: true, 'attr:aria-label': T.pages });
		var notice = h('div', {
			className: 'raqib-notice', tabIndex: -1,
			'attr:role': 'status', 'attr:aria-live': 'polite'
		});
		var terms = lines(h('p', { className: 'raqib-terms', id: uid + '-terms' }),
			root.getAttribute('data-terms') || T.terms);

		var nameIn = h('input', { type: 'text', id: uid + '-name', name: 'name', required: true,
			maxLength: 100, autocomplete: 'name' });
		var textIn = h('textarea', { id: uid + '-text', name: 'comment', required: true,
			maxLength: 5000, rows: 6 });
		var hpIn = h('input', { type: 'text', id: uid + '-hp', name: 'honeypot', tabIndex: -1,
			autocomplete: 'off' });
		var hp = h('div', { className: 'raqib-hp', 'attr:aria-hidden': 'true' },
			h('label', { htmlFor: uid + '-hp' }, T.hp), hpIn);
		/* clipped in place: left:-10000px would scroll an rtl page sideways */
		hp.style.position = 'absolute';
		hp.style.width = '1px';
		hp.style.height = '1px';
		hp.style.margin = '-1px';
		hp.style.overflow = 'hidden';
		hp.style.clip = 'rect(0 0 0 0)';
		hp.style.clipPath = 'inset(50%)';
		hp.style.whiteSpace = 'nowrap';
		var consentIn = h('input', { type: 'checkbox', id: uid + '-consent', name: 'consent',
			value: '1', required: true, 'attr:aria-describedby': uid + '-terms' });
		var button = h('button', { type: 'submit' }, T.submit);
		var form = h('form', { className: 'raqib-form', noValidate: false },
			h('p', { className: 'raqib-field' }, h('label', { htmlFor: nameIn.id }, T.name), nameIn),
			h('p', { className: 'raqib-field' }, h('label', { htmlFor: textIn.id }, T.text), textIn),
			hp,
			h('p', { className: 'raqib-consent' }, consentIn, ' ',
				h('label', { htmlFor: consentIn.id }, T.consent)),
			h('p', { className: 'raqib-actions' }, button));

		root.setAttribute('aria-labelledby', heading.id);
		root.appendChild(heading);
		root.appendChild(list);
		root.appendChild(nav);
		root.appendChild(h('div', { className: 'raqib-respond' },
			h('h3', { className: 'raqib-respond-title' }, T.add), notice, terms, form));

		function showNotice(kind, message) {
			notice.className = 'raqib-notice raqib-notice-' + kind;
			lines(notice, '');
			while (notice.firstChild) notice.removeChild(notice.firstChild);
			lines(notice, message);
			notice.focus();
		}

		function renderComments(data) {
			var cs = Array.isArray(data.comments) ? data.comments : [];
			while (list.firstChild) list.removeChild(list.firstChild);
			if (!cs.length) list.appendChild(h('p', { className: 'raqib-empty' }, T.none));
			cs.forEach(function (c) {
				var time = h('time', { dir: 'ltr' }, displayTime(c));
				if (c.created_at) time.dateTime = String(c.created_at);
				var art = h('article', { className: 'raqib-comment' },
					lines(h('p', { className: 'raqib-comment-text' }), c.text),
					h('footer', { className: 'raqib-comment-meta' },
						h('span', { className: 'raqib-comment-author', dir: 'auto' }, String(c.name || '')),
						' ', time));
				art.setAttribute('data-id', String(c.id));
				list.appendChild(art);
			});
			list.setAttribute('aria-busy', 'false');

			var per = Number(data.per_page) || cs.length || 1;
			var total = Number(data.total) || 0;
			st.page = Number(data.page) || st.page;
			st.pages = Math.max(1, Math.ceil(total / per));
			while (nav.firstChild) nav.removeChild(nav.firstChild);
			nav.hidden = st.pages <= 1;
			if (st.pages > 1) {
				if (st.page > 1) nav.appendChild(pageButton(T.prev, st.page - 1));
				nav.appendChild(h('span', { className: 'raqib-page-of' }, T.pageOf(st.page, st.pages)));
				if (st.page < st.pages) nav.appendChild(pageButton(T.next, st.page + 1));
			}
		}

		function pageButton(label, page) {
			return h('button', {
				type: 'button',
				onclick: function () { load(page).then(function () { heading.focus(); }); }
			}, label);
		}

		function load(page) {
			list.setAttribute('aria-busy', 'true');
			return fetch(url + '?page=' + page, { credentials: 'omit', headers: { Accept: 'application/json' } })
				.then(function (r) {
					if (!r.ok) throw new Error('HTTP ' + r.status);
					return r.json();
				})
				.then(function (data) {
					if (data.article && data.article.title) titleText.data = String(data.article.title);
					if (data.token) st.token = String(data.token);
					renderComments(data);
					return data;
				})
				.catch(function () {
					while (list.firstChild) list.removeChild(list.firstChild);
					list.setAttribute('aria-busy', 'false');
					list.appendChild(h('p', { className: 'raqib-empty' }, T.loadFail + ' ',
						h('button', { type: 'button', onclick: function () { load(page); } }, T.retry)));
					return null;
				});
		}

		form.addEventListener('submit', function (ev) {
			ev.preventDefault();
			if (st.busy) return;
			st.busy = true;
			button.disabled = true;
			button.textContent = T.sending;
			var body = { name: nameIn.value, text: textIn.value, honeypot: hpIn.value };
			if (st.token) body.token = st.token;
			fetch(url, {
				method: 'POST',
				credentials: 'omit',
				headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
				body: JSON.stringify(body)
			})
				.then(function (r) {
					return r.json().catch(function () { return {}; }).then(function (d) {
						return { ok: r.ok, data: d || {} };
					});
				})
				.then(function (res) {
					var d = res.data;
					var status = res.ok && d.status ? String(d.status) : 'error';
					var kind = /^(published|shortened|pending|rejected)$/.test(status) ? status : 'error';
					showNotice(kind, d.message || d.error || T.sendFail);
					if (kind === 'published' || kind === 'shortened') {
						textIn.value = '';
						consentIn.checked = false;
						/* the new comment is on the first page (newest first) or the last */
						return load(1).then(function (data) {
							var found = list.querySelector('[data-id="' + String(Number(d.id)) + '"]');
							if (!found && data && st.pages > 1) return load(st.pages);
						});
					}
					if (kind === 'pending') textIn.value = '';
					/* not accepted: the text stays for the reader to fix */
				})
				.catch(function () { showNotice('error', T.sendFail); })
				.then(function () {
					st.busy = false;
					button.disabled = false;
					button.textContent = T.submit;
				});
		});

		load(1);
	}

	function start() {
		addStyle();
		var sel = 'div#raqib-comments[data-article], .raqib-comments[data-article], ' +
			'div#raqib-comments[data-raqib-article], .raqib-comments[data-raqib-article]';
		var els = Array.prototype.slice.call(document.querySelectorAll(sel));
		var bare = document.querySelector('div#raqib-comments');
		if (bare && els.indexOf(bare) < 0 && script &&
			(script.getAttribute('data-raqib-article') || script.getAttribute('data-article')))
			els.push(bare);
		els.forEach(mount);
	}

	window.raqibWidget = { mount: function (el) { addStyle(); mount(el); } };
	if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
	else start();
})();
