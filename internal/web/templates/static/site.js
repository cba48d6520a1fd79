// Progressive enhancement only: every step works without this file.
// A "show password" box for the password fields.
document.querySelectorAll('[data-show]').forEach(function (box) {
  var ids = box.getAttribute('data-show').split(' ');
  box.closest('.show-password').hidden = false;
  box.addEventListener('change', function () {
    ids.forEach(function (id) {
      var f = document.getElementById(id);
      if (f) { f.type = box.checked ? 'text' : 'password'; }
    });
  });
});
// A form sent once: its button waits, so that a double tap sends nothing twice.
document.querySelectorAll('form[method=post]').forEach(function (form) {
  form.addEventListener('submit', function () {
    setTimeout(function () {
      form.querySelectorAll('button[type=submit]').forEach(function (b) { b.disabled = true; });
    }, 0);
  });
});
