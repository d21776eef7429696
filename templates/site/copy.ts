/** Copy buttons: `<button data-copy="#selector">` copies the target's text (clipboard API, else execCommand). */

function legacyCopy(el: Element): boolean {
  const range = document.createRange();
  range.selectNodeContents(el);
  const sel = window.getSelection();
  sel?.removeAllRanges();
  sel?.addRange(range);
  try {
    return document.execCommand('copy');
  } catch {
    return false;
  } finally {
    sel?.removeAllRanges();
  }
}

async function copyText(el: Element): Promise<boolean> {
  const text = el.textContent ?? '';
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      return legacyCopy(el);
    }
  }
  return legacyCopy(el);
}

export function initCopyButtons(): void {
  for (const btn of document.querySelectorAll<HTMLButtonElement>('button[data-copy]')) {
    const target = document.querySelector(btn.dataset.copy ?? '');
    if (!target) continue;
    const status = document.getElementById(btn.getAttribute('aria-describedby') ?? '');
    btn.addEventListener('click', () => {
      void copyText(target).then((ok) => {
        btn.textContent = ok ? 'Copied' : 'Copy';
        btn.dataset.copied = ok ? 'true' : 'false';
        if (status) status.textContent = ok ? 'Install command copied to the clipboard.' : 'Could not copy: select the command and copy it by hand.';
        window.setTimeout(() => {
          btn.textContent = 'Copy';
        }, 2000);
      });
    });
  }
}
