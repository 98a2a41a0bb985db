/* raqib editors' desk: keyboard shortcuts for the queue. The page works
 * without it (plain forms); this only saves the mouse.
 *   j / k  next / previous comment      a  approve (publish)
 *   r      reject (with the selected reason)  e  edit the text
 *   x      select for a bulk action      Esc leave the text box */
(function () {
  'use strict';
  var items = [], cur = -1;

  function pick(i) {
    if (!items.length) return;
    if (i < 0) i = 0;
    if (i >= items.length) i = items.length - 1;
    if (cur >= 0 && items[cur]) items[cur].classList.remove('current');
    cur = i;
    items[cur].classList.add('current');
    items[cur].focus({preventScroll: true});
    items[cur].scrollIntoView({block: 'nearest'});
  }

  // Nothing is selected until the first j/k: the first j lands on the
  // oldest comment.
  function click(sel) {
    if (cur < 0) return;
    var b = items[cur].querySelector(sel);
    if (b) b.click();
  }

  document.addEventListener('DOMContentLoaded', function () {
    items = Array.prototype.slice.call(document.querySelectorAll('.queue .item'));
    items.forEach(function (el, i) {
      el.addEventListener('click', function () { if (cur !== i) pick(i); });
    });
  });

  document.addEventListener('keydown', function (ev) {
    var t = ev.target, tag = t && t.tagName;
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (tag === 'TEXTAREA' || tag === 'INPUT' || tag === 'SELECT') {
      if (ev.key === 'Escape') { t.blur(); if (cur >= 0) items[cur].focus(); }
      return;
    }
    switch (ev.key) {
    case 'j': pick(cur + 1); break;
    case 'k': pick(cur - 1); break;
    case 'a': click('button.approve'); break;
    case 'r': click('button.reject'); break;
    case 'x': click('input.sel'); break;
    case 'e':
      if (cur < 0) return;
      var d = items[cur].querySelector('details.edit');
      if (d) { d.open = true; var ta = d.querySelector('textarea'); if (ta) ta.focus(); }
      break;
    default: return;
    }
    ev.preventDefault();
  });
})();
