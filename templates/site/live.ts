/**
 * Live data from the mdlibs server's API (SRV-2) when one serves the site: download counts on
 * library pages and the popular list on the home page. On a static host the requests fail and
 * the page stays as built, with no error shown.
 */

interface LibraryJson {
  name?: unknown;
  downloads?: unknown;
  description?: unknown;
  latest?: unknown;
}

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
  if (!res.ok || !(res.headers.get('content-type') ?? '').includes('json')) return null;
  return res.json();
}

function listOf(data: unknown): LibraryJson[] {
  if (Array.isArray(data)) return data as LibraryJson[];
  if (data && typeof data === 'object') {
    for (const key of ['libraries', 'items', 'data', 'results']) {
      const v = (data as Record<string, unknown>)[key];
      if (Array.isArray(v)) return v as LibraryJson[];
    }
  }
  return [];
}

async function fillDownloads(api: string): Promise<void> {
  const el = document.querySelector<HTMLElement>('[data-downloads]');
  if (!el) return;
  const data = (await getJson(`${api}/libraries/${el.dataset.downloads ?? ''}`)) as LibraryJson | null;
  if (!data || typeof data.downloads !== 'number') return;
  el.textContent = data.downloads.toLocaleString('en');
  for (const f of document.querySelectorAll<HTMLElement>('.downloads-fact')) f.hidden = false;
}

async function fillPopular(root: string, api: string): Promise<void> {
  const section = document.querySelector<HTMLElement>('section.popular');
  const list = document.getElementById('popular-list');
  if (!section || !list) return;
  const libs = listOf(await getJson(`${api}/libraries?sort=downloads&order=desc&per_page=6`))
    .filter((l) => typeof l.name === 'string' && /^@[a-z0-9-]+\/[a-z0-9-]+$/.test(l.name) && typeof l.downloads === 'number' && l.downloads > 0);
  if (!libs.length) return;
  list.replaceChildren(...libs.map((l) => {
    const li = document.createElement('li');
    li.className = 'lib-card';
    const a = document.createElement('a');
    a.className = 'lib-name';
    a.href = `${root}libraries/${String(l.name)}/index.html`;
    a.textContent = String(l.name);
    const n = document.createElement('span');
    n.className = 'downloads';
    n.textContent = ` ${(l.downloads as number).toLocaleString('en')} downloads`;
    li.append(a, n);
    if (typeof l.description === 'string') {
      const p = document.createElement('p');
      p.className = 'lib-desc';
      p.textContent = l.description;
      li.append(p);
    }
    return li;
  }));
  section.hidden = false;
}

export async function initLiveCounts(root: string, api: string): Promise<void> {
  if (!api || location.protocol === 'file:') return;
  try {
    const page = document.body.dataset.page;
    if (page === 'library') await fillDownloads(api);
    else if (page === 'home') await fillPopular(root, api);
  } catch {
    // No server in front of the site (static host): keep the page as built.
  }
}
