// Runs at parse time, before the app's script has loaded (a classic script in index.html's
// head; kept tiny, not bundled):
// - asks the shell for `app_info` at once, so that the answer is there when the app's script
//   starts and the first screen renders without waiting for a round trip (cold start,
//   benchmark 4). The app takes the answer once (takeBootAppInfo in src/lib/session.ts) and
//   asks again through the generated client when there is none. The command name is the
//   generated client's (a unit test compares them).
// - names the platform for the stylesheet's choice of font (src/app.css).
(function () {
  var ua = navigator.userAgent;
  document.documentElement.dataset.os = /Windows/.test(ua) ? 'windows' : /Mac OS X/.test(ua) ? 'mac' : 'other';
  var ipc = window.__TAURI_INTERNALS__;
  if (!ipc || typeof ipc.invoke !== 'function') return;
  var appInfo = ipc.invoke('app_info');
  // Handled here so that a failure is not reported as unhandled; the app's await still sees it.
  appInfo.catch(function () {});
  window.__varnaBoot = { appInfo: appInfo };
})();
