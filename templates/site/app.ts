/** Browser entry (bundled by esbuild into assets/app.js): search, copy buttons, live counts. */
import { initCopyButtons } from './copy.js';
import { initLiveCounts } from './live.js';
import { initSearch } from './search.js';

function start(): void {
  const root = document.body.dataset.root ?? '';
  const api = document.body.dataset.api ?? '';
  initCopyButtons();
  initSearch(root);
  void initLiveCounts(root, api);
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
