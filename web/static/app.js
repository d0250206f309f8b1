/*
 * app.js: the maintd dashboard.  Plain JavaScript, no build step, no
 * library: the page asks maintd-http's API (/api/v1/) with the token the
 * user gave (kept in sessionStorage, sent as Authorization: Bearer) and
 * stays current through the event stream, read with fetch() so that the
 * token goes in a header, never in a URL.  maintd decides every request:
 * the page only greys out what the token's role may not do, and shows
 * maintd's own words when it says no.
 */
'use strict';

(function () {
	const TOKEN_KEY = 'maintd.token';
	const $ = (id) => document.getElementById(id);
	const S = {
		token: sessionStorage.getItem(TOKEN_KEY),
		session: null,		/* {token, role, tasks} */
		health: null,
		tasks: [],
		rows: new Map(),	/* task name -> its row */
		presets: [],
		windows: [],
		events: null,		/* the event stream */
		logs: null,		/* a task page's log stream */
		lastId: null,		/* the last event seen */
		page: null,		/* the task of the task page, or null */
		refreshing: null,
	};

	/* --- small helpers --------------------------------------------- */

	function el(tag, props, ...kids) {
		const e = document.createElement(tag);
		for (const [k, v] of Object.entries(props || {})) {
			if (v === null || v === undefined || v === false)
				continue;
			if (k === 'class')
				e.className = v;
			else if (k === 'text')
				e.textContent = v;
			else if (k.startsWith('on'))
				e.addEventListener(k.slice(2), v);
			else
				e.setAttribute(k, v === true ? '' : v);
		}
		for (const c of kids.flat(Infinity))
			if (c !== null && c !== undefined && c !== false)
				e.append(c instanceof Node ? c : document.createTextNode(String(c)));
		return e;
	}

	function svg(tag, attrs, ...kids) {
		const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
		for (const [k, v] of Object.entries(attrs || {}))
			if (k === 'text')
				e.textContent = v;
			else
				e.setAttribute(k, v);
		for (const c of kids)
			e.append(c);
		return e;
	}

	function secs(iso) {
		return iso ? (Date.parse(iso) - Date.now()) / 1000 : null;
	}

	function dur(s) {
		if (s === null || s === undefined)
			return '–';
		s = Math.abs(s);
		if (s < 1)
			return Math.round(s * 1000) + 'ms';
		if (s < 60)
			return (s < 10 ? s.toFixed(1) : Math.round(s)) + 's';
		if (s < 3600)
			return Math.floor(s / 60) + 'm' + (s < 600 ? ' ' + Math.round(s % 60) + 's' : '');
		if (s < 86400)
			return Math.floor(s / 3600) + 'h ' + Math.floor(s % 3600 / 60) + 'm';
		return Math.floor(s / 86400) + 'd ' + Math.floor(s % 86400 / 3600) + 'h';
	}

	function ago(iso) {
		const s = secs(iso);
		return s === null ? '–' : s > 0 ? 'in ' + dur(s) : dur(s) + ' ago';
	}

	function bytes(v) {
		if (v === null || v === undefined)
			return '–';
		const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
		let i = 0;
		for (; v >= 1024 && i < u.length - 1; i++)
			v /= 1024;
		return (i === 0 || v >= 100 ? Math.round(v) : v.toFixed(1)) + ' ' + u[i];
	}

	function clock(iso) {
		const d = new Date(iso);
		return isNaN(d) ? '' : d.toLocaleTimeString([], { hour12: false });
	}

	function when(iso) {
		const d = new Date(iso);
		return isNaN(d) ? '–' : d.toLocaleString([], { hour12: false,
		    month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
	}

	function toast(text, kind) {
		const t = el('div', { class: 'toast ' + (kind || 'bad'), role: 'status' },
		    el('span', { text }),
		    el('button', { class: 'x', type: 'button', 'aria-label': 'dismiss',
		        onclick: () => t.remove(), text: '×' }));
		$('toasts').append(t);
		setTimeout(() => t.remove(), kind === 'good' ? 4000 : 12000);
	}

	/* maintd's error as it said it: "denied: activate backup: ..." */
	function showError(e) {
		toast(e.code ? e.code + ': ' + e.message : String(e.message || e));
	}

	class ApiError extends Error {
		constructor(status, code, message) {
			super(message);
			this.status = status;
			this.code = code;
		}
	}

	async function api(method, path, body) {
		const opts = { method, headers: { Authorization: 'Bearer ' + S.token },
		    cache: 'no-store' };
		if (body !== undefined) {
			opts.headers['Content-Type'] = 'application/json';
			opts.body = JSON.stringify(body);
		}
		let res;
		try {
			res = await fetch('api/v1/' + path, opts);
		} catch (e) {
			throw new ApiError(0, 'unreachable', 'maintd-http does not answer');
		}
		const text = await res.text();
		let data = null;
		try {
			data = text ? JSON.parse(text) : null;
		} catch (e) {
			data = null;
		}
		if (!res.ok) {
			const err = data && data.error ? data.error : {};
			if (res.status === 401)
				signOut(err.message || 'the token was refused');
			throw new ApiError(res.status, err.code || String(res.status),
			    err.message || res.statusText);
		}
		return data;
	}

	/* --- roles ------------------------------------------------------- */

	function globRe(g) {
		return new RegExp('^' + g.replace(/[.+^${}()|\\]/g, '\\$&')
		    .replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
	}

	/* May this token change the task?  maintd decides; this greys out. */
	function mayChange(name) {
		const s = S.session;
		if (!s || s.role === 'read')
			return false;
		if (s.role === 'admin' || !s.tasks || s.tasks.length === 0)
			return true;
		return s.tasks.some((g) => globRe(g).test(name));
	}

	function why(name) {
		const s = S.session;
		if (!s)
			return '';
		if (s.role === 'read')
			return 'token ' + s.token + ' has role read';
		return 'task ' + name + ' is not among the tasks of token ' + s.token;
	}

	function isAdmin() {
		return S.session && S.session.role === 'admin';
	}

	/* --- streams (Server-Sent Events over fetch) -------------------- */

	function stream(path, opt) {
		let ctl = null, closed = false, retry = 3000, timer = null;

		async function run() {
			ctl = new AbortController();
			const headers = { Authorization: 'Bearer ' + S.token,
			    Accept: 'text/event-stream' };
			if (opt.lastId && opt.lastId())
				headers['Last-Event-ID'] = String(opt.lastId());
			let res;
			try {
				res = await fetch('api/v1/' + path, { headers,
				    signal: ctl.signal, cache: 'no-store' });
			} catch (e) {
				return again();
			}
			if (!res.ok) {
				let msg = res.statusText;
				try {
					msg = (await res.json()).error.message;
				} catch (e) { /* as it is */ }
				if (res.status === 401) {
					signOut(msg);
					return;
				}
				if (opt.onError)
					opt.onError(res.status, msg);
				if (res.status >= 400 && res.status < 500 && res.status !== 409)
					return;
				return again();
			}
			if (opt.onOpen)
				opt.onOpen();
			const reader = res.body.getReader();
			const dec = new TextDecoder();
			let buf = '';
			try {
				for (;;) {
					const { value, done } = await reader.read();
					if (done)
						break;
					buf += dec.decode(value, { stream: true });
					let i;
					while ((i = buf.search(/\r?\n\r?\n/)) >= 0) {
						const block = buf.slice(0, i);
						buf = buf.slice(i).replace(/^\r?\n\r?\n/, '');
						dispatch(block);
					}
				}
			} catch (e) { /* aborted or cut */ }
			again();
		}

		function dispatch(block) {
			let data = [], id = null, ev = 'message';
			for (const line of block.split(/\r?\n/)) {
				if (line.startsWith(':'))
					continue;
				const c = line.indexOf(':');
				const f = c < 0 ? line : line.slice(0, c);
				const v = c < 0 ? '' : line.slice(c + 1).replace(/^ /, '');
				if (f === 'data')
					data.push(v);
				else if (f === 'id')
					id = v;
				else if (f === 'event')
					ev = v;
				else if (f === 'retry' && /^\d+$/.test(v))
					retry = Number(v);
			}
			if (data.length === 0)
				return;
			let obj;
			try {
				obj = JSON.parse(data.join('\n'));
			} catch (e) {
				return;
			}
			if (ev === 'error') {
				if (opt.onError)
					opt.onError(0, obj.error ? obj.error.message : 'error');
				return;
			}
			opt.onEvent(obj, id);
		}

		function again() {
			if (closed)
				return;
			if (opt.onClose)
				opt.onClose();
			timer = setTimeout(run, retry);
		}

		run();
		return {
			close() {
				closed = true;
				clearTimeout(timer);
				if (ctl)
					ctl.abort();
			}
		};
	}

	function setLive(on, text) {
		const l = $('live');
		l.textContent = text || (on ? 'live' : 'reconnecting…');
		l.className = 'chip ' + (on ? 'good' : 'muted');
	}

	function openEvents() {
		if (S.events)
			S.events.close();
		S.events = stream('events/stream', {
			lastId: () => S.lastId,
			onOpen: () => setLive(true),
			onClose: () => setLive(false),
			onError: (st, msg) => toast('event stream: ' + msg),
			onEvent: (ev, id) => {
				if (id)
					S.lastId = Number(id);
				addEvent(ev, true);
				soon();
			},
		});
	}

	/* Something happened: read the state again (once for a burst). */
	function soon() {
		clearTimeout(S.refreshing);
		S.refreshing = setTimeout(() => {
			refresh().catch(showError);
			if (S.page)
				loadTask(S.page, false).catch(showError);
		}, 250);
	}

	/* --- the header -------------------------------------------------- */

	function renderHealth() {
		const h = S.health;
		if (!h)
			return;
		$('host').textContent = h.host || location.host;
		document.title = 'maintd · ' + (h.host || location.host);
		const hc = $('health');
		hc.textContent = h.status === 'ok' ? 'healthy' : 'degraded';
		hc.className = 'chip ' + (h.status === 'ok' ? 'good' : 'bad');
		hc.title = h.reason || (h.tasks + ' tasks, ' + h.active + ' active, ' +
		    h.running + ' running, up ' + dur(h.uptime_s) + ', maintd ' + h.version);
		$('halted').hidden = !h.halted;
		$('resume').hidden = !h.halted;
		$('estop').hidden = h.halted;
		const pct = h.max_weight > 0 ? Math.min(100, 100 * h.weight_in_use / h.max_weight) : 0;
		$('weight-bar').style.width = pct + '%';
		$('weight-bar').className = pct >= 100 ? 'full' : pct >= 75 ? 'high' : '';
		$('weight-text').textContent = h.weight_in_use + ' / ' + h.max_weight;
		const f = $('fleet');
		f.textContent = h.fleet === null || h.fleet === undefined ? 'no fleet' :
		    h.fleet === 'ok' ? 'fleet ok' : 'fleet trouble';
		f.className = 'chip ' + (h.fleet === null || h.fleet === undefined ? 'muted' :
		    h.fleet === 'ok' ? 'good' : 'bad');
		f.title = h.fleet || 'this maintd is in no fleet';
		const b = $('banner');
		if (h.halted) {
			b.hidden = false;
			b.textContent = 'Halted by an emergency stop: nothing starts until Resume.';
		} else
			b.hidden = true;
		for (const id of ['estop', 'resume']) {
			$(id).disabled = !isAdmin();
			$(id).title = isAdmin() ? $(id).title : 'needs a token of role admin';
		}
	}

	/* --- tasks ---------------------------------------------------------- */

	/* The light: inactive, active, running, failed, unhealthy, waiting. */
	function light(t) {
		if (t.state === 'failed' || t.state === 'backoff')
			return ['failed', t.state === 'backoff' ? 'failed, restarting' : 'failed'];
		if (t.health === 'unhealthy')
			return ['unhealthy', 'unhealthy (its health probe fails)'];
		if (['running', 'starting', 'stopping'].includes(t.state))
			return ['running', t.state];
		if (t.state === 'waiting' || t.state === 'standby')
			return ['waiting', t.waiting ? 'waiting: ' + t.waiting : t.state];
		if (t.active)
			return ['active', 'active'];
		return ['inactive', 'inactive'];
	}

	function stateText(t) {
		const parts = [];
		if (['running', 'starting', 'stopping'].includes(t.state))
			parts.push(t.state + (t.uptime_s ? ' ' + dur(t.uptime_s) : ''));
		else if (t.state === 'waiting')
			parts.push('waiting' + (t.waiting ? ': ' + t.waiting : ''));
		else if (t.state !== 'idle')
			parts.push(t.state);
		if (t.active)
			parts.push(t.until ? 'active for ' + dur(secs(t.until)) : 'active');
		else if (parts.length === 0)
			parts.push('inactive');
		if (t.health && t.health !== '-')
			parts.push(t.health);
		return parts.join(' · ');
	}

	function lastText(t) {
		const l = t.last;
		if (!l)
			return ['never', ''];
		return [l.result + ' · ' + dur(l.duration_s) + ' · ' + ago(l.ended),
		    l.ok ? 'ok' : 'fail'];
	}

	async function act(verb, name, body, btn) {
		if (btn)
			btn.disabled = true;
		try {
			const r = await api('POST', 'tasks/' + encodeURIComponent(name) +
			    '/' + verb, body);
			if (r && r.message && verb === 'run')
				toast(name + ': ' + r.message, 'good');
		} catch (e) {
			showError(e);
		} finally {
			soon();
		}
	}

	function toggle(t, btn) {
		const on = btn.getAttribute('aria-checked') !== 'true';
		const body = {};
		if (on && $('for').value)
			body.for = $('for').value;
		btn.setAttribute('aria-checked', String(on));
		act(on ? 'activate' : 'deactivate', t.task, body, btn);
	}

	function makeRow(name) {
		const r = {};
		r.light = el('span', { class: 'light' });
		r.link = el('a', { href: '#/task/' + encodeURIComponent(name), text: name });
		r.desc = el('div', { class: 'tdesc' });
		r.kind = el('td', { class: 'muted' });
		r.state = el('td');
		r.last = el('td');
		r.next = el('td', { class: 'muted' });
		r.tags = el('td', { class: 'tags' });
		r.toggle = el('button', { class: 'switch', type: 'button', role: 'switch',
		    'aria-checked': 'false', 'aria-label': 'active: ' + name },
		    el('span', { class: 'knob' }));
		r.toggle.addEventListener('click', () => toggle(r.t, r.toggle));
		r.run = el('button', { type: 'button', class: 'small' });
		r.run.addEventListener('click', () => act(r.t.kind === 'service' ? 'restart' : 'run',
		    name, undefined, r.run));
		r.stop = el('button', { type: 'button', class: 'small ghost', text: 'Stop' });
		r.stop.addEventListener('click', () => act('stop', name, undefined, r.stop));
		r.tr = el('tr', { 'data-task': name },
		    el('td', { class: 'c-light' }, r.light),
		    el('td', {}, r.link, r.desc), r.kind, r.state, r.last, r.next, r.tags,
		    el('td', { class: 'c-on' }, r.toggle),
		    el('td', { class: 'c-act' }, r.run, ' ', r.stop));
		return r;
	}

	function updateRow(r, t) {
		r.t = t;
		const [cls, title] = light(t);
		r.light.className = 'light ' + cls;
		r.light.title = title;
		r.light.setAttribute('aria-label', title);
		r.desc.textContent = t.description || '';
		r.kind.textContent = t.kind;
		r.state.textContent = stateText(t);
		const [lt, lc] = lastText(t);
		r.last.textContent = lt;
		r.last.className = lc;
		r.next.textContent = t.next_run ? ago(t.next_run) : t.schedule || '–';
		r.next.title = t.next_run ? when(t.next_run) : t.schedule ?
		    'its schedule, while it is active' : '';
		r.tags.replaceChildren(...(t.tags || []).map((g) =>
		    el('button', { class: 'tag', type: 'button', text: g,
		        title: 'show the tasks tagged ' + g,
		        onclick: () => { $('tag').value = g; filter(); } })));
		const may = mayChange(t.task);
		const busy = ['running', 'starting', 'stopping'].includes(t.state);
		r.toggle.setAttribute('aria-checked', String(!!t.active));
		r.toggle.disabled = !may;
		r.toggle.title = may ? (t.active ? 'deactivate' : 'activate') : why(t.task);
		r.run.textContent = t.kind === 'service' ? 'Restart' : 'Run';
		r.run.disabled = !may || (t.kind === 'service' && !t.active);
		r.run.title = may ? (t.kind === 'service' ? 'restart the service' : 'run it now') : why(t.task);
		r.stop.disabled = !may || !busy;
		r.stop.title = may ? 'end the current run' : why(t.task);
	}

	function renderTasks() {
		const seen = new Set();
		const body = $('task-rows');
		for (const t of S.tasks) {
			seen.add(t.task);
			let r = S.rows.get(t.task);
			if (!r) {
				r = makeRow(t.task);
				S.rows.set(t.task, r);
			}
			updateRow(r, t);
		}
		for (const [name, r] of S.rows)
			if (!seen.has(name)) {
				r.tr.remove();
				S.rows.delete(name);
			}
		/* in name order, without moving rows that are in place */
		const names = [...S.rows.keys()].sort();
		let prev = null;
		for (const n of names) {
			const tr = S.rows.get(n).tr;
			const want = prev ? prev.nextSibling : body.firstChild;
			if (want !== tr)
				body.insertBefore(tr, want);
			prev = tr;
		}
		const tags = new Set();
		S.tasks.forEach((t) => (t.tags || []).forEach((g) => tags.add(g)));
		const sel = $('tag'), cur = sel.value;
		const have = [...sel.options].slice(1).map((o) => o.value);
		const want = [...tags].sort();
		if (have.join('\n') !== want.join('\n')) {
			sel.replaceChildren(el('option', { value: '', text: 'all tags' }),
			    ...want.map((g) => el('option', { value: g, text: g })));
			sel.value = want.includes(cur) ? cur : '';
		}
		filter();
	}

	function filter() {
		const q = $('filter').value.trim().toLowerCase();
		const tag = $('tag').value;
		let n = 0;
		for (const r of S.rows.values()) {
			const t = r.t;
			const text = (t.task + ' ' + (t.description || '') + ' ' + t.kind +
			    ' ' + (t.tags || []).join(' ') + ' ' + stateText(t)).toLowerCase();
			const show = (!q || text.includes(q)) && (!tag || (t.tags || []).includes(tag));
			r.tr.hidden = !show;
			n += show;
		}
		const h = S.health;
		$('task-count').textContent = (n === S.rows.size ? String(n) : n + ' of ' +
		    S.rows.size) + (h ? ' · ' + h.active + ' active · ' + h.running +
		    ' running' + (h.failed ? ' · ' + h.failed + ' failed' : '') : '');
		$('no-tasks').hidden = n > 0;
	}

	/* --- presets and windows ------------------------------------------ */

	function renderPresets() {
		const active = new Set(S.tasks.filter((t) => t.active).map((t) => t.task));
		$('presets').replaceChildren(...S.presets.map((p) => {
			const may = S.session && S.session.role !== 'read';
			return el('article', { class: 'preset' },
			    el('h3', { text: p.name }),
			    el('p', { class: 'muted', text: p.description || (p.source === 'runtime' ?
			        'made with preset create' : '') }),
			    el('div', { class: 'chips' }, (p.tasks || []).map((n) =>
			        el('span', { class: 'chip ' + (active.has(n) ? 'good' : 'muted'),
			            text: n, title: active.has(n) ? 'active' : 'inactive' }))),
			    el('button', { type: 'button', class: 'primary small',
			        disabled: !may, title: may ? 'see the plan, then apply' : why(''),
			        text: 'Apply…', onclick: () => applyPreset(p) }));
		}));
		if (S.presets.length === 0)
			$('presets').append(el('p', { class: 'empty', text: 'No preset.' }));
	}

	function renderWindows() {
		$('windows').replaceChildren(...S.windows.map((w) => el('tr', {},
		    el('td', { text: w.window }), el('td', { text: w.preset }),
		    el('td', {}, el('code', { text: w.schedule })),
		    el('td', { title: w.next ? when(w.next) : '' }, w.next ? when(w.next) +
		        ' (' + ago(w.next) + ')' : '–'),
		    el('td', {}, el('span', { class: 'chip ' + (w.open ? 'good' : 'muted'),
		        text: w.open ? 'open until ' + clock(w.open_until) : 'closed' })))));
		$('no-windows').hidden = S.windows.length > 0;
	}

	/* The dry run of a change, shown; confirm does it. */
	function planView(p) {
		const list = (l) => l && l.length ? l.join(', ') : 'nothing';
		const rows = [
			['Starts', list(p.activate)],
			['Stops', list(p.deactivate)],
			['Already as asked', String(p.unchanged)],
			['Budget after', p.weight_after + ' / ' + p.max_weight],
		];
		for (const [task, why] of Object.entries(p.start_when || {}))
			rows.push(['Waits', task + ': start_when does not hold (' + why + ')']);
		const dl = el('dl', { class: 'plan' }, rows.map(([k, v]) =>
		    [el('dt', { text: k }), el('dd', { text: v })]));
		return p.refused ? [dl, el('p', { class: 'err', text: 'maintd would refuse: ' +
		    p.refused + ' ' + (p.why || '') })] : [dl];
	}

	/* A dialog: title, body, the confirm button; onOk() does it. */
	function ask(title, body, okText, danger, onOk) {
		const d = $('confirm');
		$('confirm-h').textContent = title;
		$('confirm-body').replaceChildren(...body);
		$('confirm-err').textContent = '';
		const ok = $('confirm-ok');
		ok.textContent = okText;
		ok.className = danger ? 'danger' : 'primary';
		ok.disabled = false;
		d.onclose = null;
		const handler = async (e) => {
			if (e.submitter && e.submitter.value === 'ok') {
				e.preventDefault();
				ok.disabled = true;
				try {
					await onOk();
					d.close();
				} catch (err) {
					$('confirm-err').textContent = err.code + ': ' + err.message;
					ok.disabled = false;
				}
			}
		};
		d.querySelector('form').onsubmit = handler;
		d.showModal();
		return d;
	}

	async function applyPreset(p) {
		const forSel = el('select', { 'aria-label': 'for how long' },
		    el('option', { value: '', text: 'until switched off' }),
		    ['30m', '1h', '2h', '8h', '1d'].map((v) => el('option', { text: v })));
		const excl = el('input', { type: 'checkbox', id: 'excl' });
		const planBox = el('div', { class: 'planbox' }, el('p', { class: 'muted', text: 'Planning…' }));
		const opts = () => {
			const b = {};
			if (forSel.value)
				b.for = forSel.value;
			if (excl.checked)
				b.exclusive = true;
			return b;
		};
		const plan = async () => {
			try {
				const r = await api('POST', 'presets/' + encodeURIComponent(p.name) +
				    '/apply', Object.assign({ dry_run: true }, opts()));
				planBox.replaceChildren(...planView(r.results[0]));
				$('confirm-ok').disabled = !!r.results[0].refused;
			} catch (e) {
				planBox.replaceChildren(el('p', { class: 'err', text: e.code + ': ' + e.message }));
				$('confirm-ok').disabled = true;
			}
		};
		forSel.addEventListener('change', plan);
		excl.addEventListener('change', plan);
		ask('Apply preset ' + p.name, [
			el('p', { text: p.description || '' }),
			el('div', { class: 'row' }, el('label', {}, 'Active for ', forSel),
			    el('label', { for: 'excl' }, excl, ' and deactivate the active tasks not in it')),
			planBox,
		], 'Apply', false, async () => {
			const r = await api('POST', 'presets/' + encodeURIComponent(p.name) + '/apply', opts());
			toast(r.message, 'good');
			soon();
		});
		plan();
	}

	async function emergencyStop() {
		let p;
		try {
			p = (await api('POST', 'stop-all', { dry_run: true })).results[0];
		} catch (e) {
			showError(e);
			return;
		}
		const running = S.tasks.filter((t) => ['running', 'starting'].includes(t.state))
		    .map((t) => t.task);
		ask('Emergency stop', [
			el('p', { text: 'This deactivates ' + p.deactivate.length + ' task' +
			    (p.deactivate.length === 1 ? '' : 's') + ', stops every run (' +
			    (running.length ? running.join(', ') : 'none is running') +
			    ') and starts nothing — schedules, windows and manual runs ' +
			    'included — until Resume.' }),
			el('dl', { class: 'plan' }, el('dt', { text: 'Deactivates' }),
			    el('dd', { text: p.deactivate.join(', ') || 'nothing (none is active)' })),
		], 'Stop everything', true, async () => {
			const r = await api('POST', 'stop-all', { confirm: true });
			toast(r.message, 'good');
			soon();
		});
	}

	function resume() {
		ask('Resume', [el('p', { text: 'End the emergency stop: tasks may start ' +
		    'again. Every task stays inactive until it is activated.' })],
		    'Resume', false, async () => {
			const r = await api('POST', 'resume', { confirm: true });
			toast(r.message || 'resumed', 'good');
			soon();
		});
	}

	/* --- the activity log ------------------------------------------------ */

	function detailText(d) {
		if (!d || typeof d !== 'object')
			return '';
		const out = [];
		for (const k of ['result', 'reason', 'preset', 'trigger', 'verb', 'why'])
			if (d[k] !== undefined && d[k] !== null && !(k === 'verb' && d.reason))
				out.push(d[k]);
		if (d.activated && d.activated.length)
			out.push('on: ' + d.activated.join(', '));
		if (d.deactivated && d.deactivated.length)
			out.push('off: ' + d.deactivated.join(', '));
		if (d.duration_s !== undefined)
			out.push(dur(d.duration_s));
		return out.join(' · ');
	}

	function eventClass(e) {
		if (/fail|timeout|error|crash|unhealthy|denied|halted/.test(e))
			return 'bad';
		if (/ok|healthy|resumed/.test(e))
			return 'good';
		if (/activated|started|applied|opened/.test(e))
			return 'info';
		return 'muted';
	}

	function addEvent(ev, live) {
		const list = $('activity');
		if (ev.id && list.querySelector('[data-id="' + ev.id + '"]'))
			return;
		const li = el('li', { 'data-id': ev.id || '', class: live ? 'new' : '' },
		    el('time', { datetime: ev.time, title: ev.time, text: clock(ev.time) }),
		    el('span', { class: 'ev ' + eventClass(ev.event), text: ev.event }),
		    ev.task ? el('a', { href: '#/task/' + encodeURIComponent(ev.task), text: ev.task }) :
		        el('span', { class: 'muted', text: 'maintd' }),
		    el('span', { class: 'actor', text: 'by ' + ev.actor }),
		    el('span', { class: 'detail', text: detailText(ev.detail) }));
		list.prepend(li);
		while (list.children.length > 200)
			list.lastChild.remove();
	}

	/* --- the task page ----------------------------------------------------- */

	/* A bar chart of a numeric field of the runs, oldest on the left. */
	function chart(box, runs, field, fmt) {
		const pts = runs.filter((r) => typeof r[field] === 'number').slice().reverse();
		if (pts.length === 0) {
			box.replaceChildren(el('p', { class: 'empty', text: 'No run has ' + field + ' yet.' }));
			return;
		}
		if (pts.every((r) => r[field] === 0)) {
			box.replaceChildren(el('p', { class: 'empty', text: 'The last ' + pts.length +
			    ' runs: ' + fmt(0) + ' each.' }));
			return;
		}
		const W = 640, H = 180, L = 64, B = 22, T = 10, R = 8;
		const max = Math.max(...pts.map((r) => r[field])) || 1;
		const bw = (W - L - R) / Math.max(pts.length, 10);
		const y = (v) => T + (H - T - B) * (1 - v / max);
		const g = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img',
		    class: 'bars', 'aria-label': field + ' of the last ' + pts.length + ' runs' });
		for (const f of [0, 0.5, 1]) {
			g.append(svg('line', { x1: L, x2: W - R, y1: y(max * f), y2: y(max * f), class: 'grid' }));
			g.append(svg('text', { x: L - 6, y: y(max * f) + 4, class: 'axis',
			    'text-anchor': 'end', text: fmt(max * f) }));
		}
		pts.forEach((r, i) => {
			const h = Math.max(1, (H - T - B) * r[field] / max);
			const ok = r.result === 'ok' || r.ok === true;
			const bar = svg('rect', { x: L + i * bw + 1, y: H - B - h,
			    width: Math.max(1, bw - 2), height: h, rx: 2,
			    class: ok ? 'ok' : r.result === 'running' ? 'run' : 'fail' });
			bar.append(svg('title', { text: 'run ' + r.run + ': ' + fmt(r[field]) +
			    ' · ' + (r.summary || r.result) + ' · ' + when(r.started) }));
			g.append(bar);
		});
		g.append(svg('text', { x: L, y: H - 6, class: 'axis', text: 'run ' + pts[0].run }));
		g.append(svg('text', { x: W - R, y: H - 6, class: 'axis', 'text-anchor': 'end',
		    text: 'run ' + pts[pts.length - 1].run }));
		box.replaceChildren(g);
	}

	const CONF_KEYS = ['command', 'shell', 'user', 'group', 'directory', 'schedule',
	    'every_s', 'timeout_s', 'weight', 'conflicts', 'tags', 'restart', 'backoff_s',
	    'restart_limit', 'auto_deactivate_s', 'dry_run', 'output', 'kill_signal',
	    'nice', 'umask', 'start_when', 'limits', 'cgroup_limits', 'tracking',
	    'environment'];

	function confValue(v) {
		if (Array.isArray(v))
			return v.length ? v.map((x) => typeof x === 'object' ? JSON.stringify(x) : x).join(' ') : '';
		if (v && typeof v === 'object')
			return Object.keys(v).length ? JSON.stringify(v) : '';
		return String(v);
	}

	function taskActions(t) {
		const may = mayChange(t.task);
		const busy = ['running', 'starting', 'stopping'].includes(t.state);
		const tip = may ? null : why(t.task);
		const sw = el('button', { class: 'switch', type: 'button', role: 'switch',
		    'aria-checked': String(!!t.active), 'aria-label': 'active', disabled: !may,
		    title: tip }, el('span', { class: 'knob' }));
		sw.addEventListener('click', () => toggle(t, sw));
		return [el('label', { class: 'swlabel' }, sw, t.active ? 'active' : 'inactive'),
		    el('button', { type: 'button', disabled: !may || (t.kind === 'service' && !t.active),
		        title: tip, text: t.kind === 'service' ? 'Restart' : 'Run now',
		        onclick: (e) => act(t.kind === 'service' ? 'restart' : 'run', t.task, undefined, e.target) }),
		    el('button', { type: 'button', class: 'ghost', disabled: !may || !busy, title: tip,
		        text: 'Stop', onclick: (e) => act('stop', t.task, undefined, e.target) })];
	}

	/* A task's edges both ways (show's keys), names linking to their page. */
	const DEP_KEYS = [['after', 'after'], ['before', 'before (after it)'],
	    ['requires', 'requires'], ['required_by', 'required by'],
	    ['on_success', 'on success, runs'], ['on_failure', 'on failure, runs'],
	    ['chained_from', 'chained from']];

	function renderDeps(t) {
		const names = (k) => (t[k] || []).map((x) => typeof x === 'object' ? x.task : x);
		const rows = DEP_KEYS.filter(([k]) => names(k).length).map(([k, label]) =>
		    [el('dt', { text: label }), el('dd', {}, ...names(k).map((n, i) =>
		        [i ? ', ' : '', el('a', { href: '#/task/' + encodeURIComponent(n), text: n })]).flat())]).flat();
		$('tp-deps').replaceChildren(...rows);
		$('tp-nodeps').hidden = rows.length > 0;
	}

	function renderLedger(rows) {
		$('tp-ledger').replaceChildren(...rows.map((r) => el('tr', {},
		    el('td', { text: when(r.tick) }),
		    el('td', { class: r.outcome === 'ran' ? 'ok' : 'fail',
		        text: r.outcome === 'ran' ? 'ran' : 'missed: ' + r.reason }),
		    el('td', { text: r.run ? String(r.run) : '–' }),
		    el('td', { text: r.detail || '' }))));
		$('tp-noledger').hidden = rows.length > 0;
	}

	/* The next 24 h on the main page: the plan's first rows. */
	const PLAN_ROWS = 15;

	function renderPlan(rows, message) {
		$('plan').replaceChildren(...rows.slice(0, PLAN_ROWS).map((r) => el('tr', {},
		    el('td', { title: r.time, text: when(r.time) + ' (' + ago(r.time) + ')' }),
		    el('td', {}, el('a', { href: '#/task/' + encodeURIComponent(r.task), text: r.task })),
		    el('td', { text: r.trigger }),
		    el('td', { class: r.stop ? 'fail' : 'ok',
		        text: r.stop ? r.stop + (r.why ? ': ' + r.why : '') : 'nothing' }))));
		$('no-plan').hidden = rows.length > 0;
		/* the OK line says how many more there are */
		const more = message.match(/, (\d+) more not listed/);
		$('plan-more').hidden = !more;
		$('plan-more').textContent = more ? 'and ' + more[1] +
		    ' more; maintctl plan lists them all' : '';
	}

	async function loadTask(name, fresh) {
		const [t, runs, ledger] = await Promise.all([
			api('GET', 'tasks/' + encodeURIComponent(name)),
			api('GET', 'tasks/' + encodeURIComponent(name) + '/history?n=50'),
			api('GET', 'ledger/' + encodeURIComponent(name) + '?n=20').catch(() => []),
		]);
		if (S.page !== name)
			return;
		const [cls, title] = light(t);
		$('tp-light').className = 'light big ' + cls;
		$('tp-light').title = title;
		$('tp-name').textContent = t.task;
		$('tp-kind').textContent = t.kind;
		$('tp-desc').textContent = t.description || '';
		$('tp-actions').replaceChildren(...taskActions(t));
		const facts = [stateText(t)];
		if (t.pid)
			facts.push('pid ' + t.pid);
		if (t.next_run)
			facts.push('next run ' + ago(t.next_run) + ' (' + when(t.next_run) + ')');
		if (t.last)
			facts.push('last: ' + t.last.result + ', ' + ago(t.last.ended));
		facts.push(t.restarts + ' restart' + (t.restarts === 1 ? '' : 's'));
		$('tp-state').replaceChildren(...facts.map((f) => el('span', { text: f })));
		$('tp-conf').replaceChildren(...CONF_KEYS.filter((k) => t[k] !== null &&
		    t[k] !== undefined && confValue(t[k]) !== '').map((k) =>
		    [el('dt', { text: k }), el('dd', {}, el('code', { text: confValue(t[k]) }))]).flat(),
		    el('dt', { text: 'defined at' }),
		    el('dd', {}, el('code', { text: t.file + (t.line ? ':' + t.line : '') })));
		$('tp-runs').replaceChildren(...runs.slice(0, 20).map((r) => el('tr', {},
		    el('td', { text: String(r.run) }), el('td', { text: when(r.started) }),
		    el('td', { text: r.trigger }),
		    el('td', { class: r.result === 'ok' ? 'ok' : r.result === 'running' ? '' : 'fail',
		        text: r.summary || r.result }),
		    el('td', { text: dur(r.duration_s) }), el('td', { text: dur(r.cpu_s) }),
		    el('td', { text: bytes(r.memory_peak_bytes) }))));
		$('tp-noruns').hidden = runs.length > 0;
		renderDeps(t);
		renderLedger(Array.isArray(ledger) ? ledger : (ledger.results || []));
		chart($('chart-duration'), runs, 'duration_s', dur);
		chart($('chart-memory'), runs, 'memory_peak_bytes', bytes);
		chart($('chart-cpu'), runs, 'cpu_s', dur);
		chart($('chart-io'), runs, 'io_write_bytes', bytes);
		if (fresh)
			openLogs(name);
	}

	function openLogs(name) {
		if (S.logs)
			S.logs.close();
		const pre = $('tp-log');
		pre.replaceChildren();
		S.logs = stream('tasks/' + encodeURIComponent(name) + '/logs/stream?n=100', {
			onOpen: () => pre.replaceChildren(),
			onError: (st, msg) => pre.append(el('span', { class: 'err', text: msg + '\n' })),
			onEvent: (l) => {
				const stick = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
				pre.append(el('span', { class: l.stream === 'stderr' ? 'stderr' : '' },
				    el('span', { class: 'ts', text: clock(l.time) + ' ' +
				        (l.run ? '[' + l.run + '] ' : '') }), l.line + '\n'));
				while (pre.childNodes.length > 1000)
					pre.firstChild.remove();
				if (stick)
					pre.scrollTop = pre.scrollHeight;
			},
		});
	}

	/* --- the page as a whole ------------------------------------------- */

	async function refresh() {
		const [h, tasks, list, presets, windows, plan] = await Promise.all([
			api('GET', 'status'), api('GET', 'tasks'), api('GET', 'list'),
			api('GET', 'presets'), api('GET', 'windows'),
			api('GET', 'plan?next=24h&n=' + PLAN_ROWS).catch(() => null)]);
		/* status has the state, list the tags and description */
		const conf = new Map(list.results.map((c) => [c.task, c]));
		for (const t of tasks) {
			const c = conf.get(t.task) || {};
			t.tags = c.tags || [];
			t.description = c.description || '';
			t.schedule = c.schedule || (c.every_s ? 'every ' + dur(c.every_s) : null);
		}
		S.health = h;
		S.tasks = tasks;
		S.presets = presets;
		S.windows = windows;
		renderHealth();
		renderTasks();
		renderPresets();
		renderWindows();
		if (plan)
			renderPlan(plan.results || [], plan.message || '');
		document.body.classList.add('ready');
	}

	function route() {
		const m = location.hash.match(/^#\/task\/(.+)$/);
		const name = m ? decodeURIComponent(m[1]) : null;
		$('overview').hidden = !!name;
		$('taskpage').hidden = !name;
		if (name !== S.page) {
			if (S.logs) {
				S.logs.close();
				S.logs = null;
			}
			S.page = name;
			if (name) {
				$('tp-name').textContent = name;
				loadTask(name, true).catch(showError);
				window.scrollTo(0, 0);
			}
		}
	}

	async function start() {
		try {
			S.session = await api('GET', 'session');
		} catch (e) {
			if (e.status !== 401)
				showError(e);
			return;
		}
		$('whoami').textContent = S.session.token + ' · ' + S.session.role;
		document.body.classList.toggle('ro', S.session.role === 'read');
		const evs = await api('GET', 'events?n=50').catch((e) => { showError(e); return []; });
		$('activity').replaceChildren();
		for (const ev of evs) {
			addEvent(ev, false);
			S.lastId = ev.id;
		}
		await refresh().catch(showError);
		openEvents();
		route();
	}

	function signOut(msg) {
		sessionStorage.removeItem(TOKEN_KEY);
		S.token = null;
		S.session = null;
		for (const s of [S.events, S.logs])
			if (s)
				s.close();
		S.events = S.logs = null;
		/* nothing of the last token's view stays on the page */
		document.body.classList.remove('ready', 'ro');
		S.rows.clear();
		$('task-rows').replaceChildren();
		$('presets').replaceChildren();
		$('activity').replaceChildren();
		$('whoami').textContent = '';
		S.lastId = null;
		S.page = null;
		$('tp-actions').replaceChildren();
		$('toasts').replaceChildren();
		setLive(false, 'offline');
		$('login-err').textContent = msg || '';
		$('token').value = '';
		if (!$('login').open)
			$('login').showModal();
	}

	function boot() {
		$('login-form').addEventListener('submit', async (e) => {
			e.preventDefault();
			S.token = $('token').value.trim();
			$('login-err').textContent = '';
			try {
				S.session = await api('GET', 'session');
			} catch (err) {
				$('login-err').textContent = err.message;
				if (!$('login').open)
					$('login').showModal();
				return;
			}
			sessionStorage.setItem(TOKEN_KEY, S.token);
			$('login').close();
			start();
		});
		$('login').addEventListener('cancel', (e) => e.preventDefault());
		$('signout').addEventListener('click', () => signOut(''));
		$('estop').addEventListener('click', emergencyStop);
		$('resume').addEventListener('click', resume);
		$('filter').addEventListener('input', filter);
		$('tag').addEventListener('change', filter);
		window.addEventListener('hashchange', route);
		document.addEventListener('keydown', (e) => {
			if (e.key === '/' && !/INPUT|SELECT|TEXTAREA/.test(document.activeElement.tagName)) {
				e.preventDefault();
				location.hash = '#/';
				$('filter').focus();
			}
		});
		/* relative times stay true; the rest comes by the stream */
		setInterval(() => {
			if (S.session)
				refresh().catch(() => {});
		}, 30000);
		if (S.token)
			start();
		else
			signOut('');
	}

	boot();
})();
