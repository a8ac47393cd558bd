import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { takeBootAppInfo } from './lib/session';

const target = document.getElementById('app');
if (!target) throw new Error('missing #app');
// The answer public/boot.js asked for while this script loaded: the first screen renders with it.
// (No top-level await: it would make the bundler split the modules shared with the lazy
// screens out of this chunk, one more request each before the first screen.)
void takeBootAppInfo().then((initialInfo) => mount(App, { target, props: { initialInfo } }));
