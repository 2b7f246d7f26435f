import { render } from 'preact';
import { takeKeyFromUrl } from './api/auth';
import { App } from './app';
import './styles.css';
import './state/theme';

// Before the first request: a key given in the link is stored and removed from the address bar.
takeKeyFromUrl();
render(<App />, document.getElementById('app')!);
