// The same signal as Värna's unlock screen: cursor in the first field, then one command.
document.getElementById('first').focus();
window.__TAURI_INTERNALS__.invoke('ready', { screen: 'bare' });
