// Runs only in browsers without ES module support (the `nomodule` script): say so plainly.
(function () {
  var loading = document.getElementById('loading');
  var panel = document.getElementById('load-error');
  var message = document.getElementById('load-error-message');
  if (loading) loading.hidden = true;
  if (message) message.textContent = 'This browser does not support JavaScript modules, which raftlab needs.';
  if (panel) panel.hidden = false;
})();
