/** A README that tries every common way to run script through markdown (SEC-3). */
export const XSS_README = `# Hostile library

Plain text before the payloads: SAFE-TEXT-BEFORE.

<script>window.__pwned = 'script-tag'; alert('script-tag')</script>

<img src="x" onerror="window.__pwned = 'img-onerror'; alert('img-onerror')">

<a href="javascript:window.__pwned='js-link';alert('js-link')">raw javascript link</a>

[markdown javascript link](javascript:window.__pwned='md-link';alert('md-link'))

<div onclick="window.__pwned='onclick'" onmouseover="window.__pwned='onmouseover'" style="position:fixed;inset:0">hover bait</div>

<svg><script>window.__pwned='svg-script'</script><circle r="10" onload="window.__pwned='svg-onload'"/></svg>

<svg onload="window.__pwned='svg-root-onload'"><a xlink:href="javascript:window.__pwned='svg-link'"><text y="20">svg link</text></a></svg>

<iframe src="javascript:parent.__pwned='iframe-js'"></iframe>

<iframe srcdoc="<script>parent.__pwned='iframe-srcdoc'</script>"></iframe>

<object data="javascript:window.__pwned='object'"></object><embed src="javascript:window.__pwned='embed'">

<form action="javascript:window.__pwned='form'"><button formaction="javascript:window.__pwned='formaction'">go</button></form>

<details open ontoggle="window.__pwned='details-ontoggle'"><summary>details bait</summary>inside</details>

<meta http-equiv="refresh" content="0;url=javascript:window.__pwned='meta'">

<style>body { display: none }</style>

<math><mtext><table><mglyph><style><img src=x onerror="window.__pwned='mxss'"></style></mglyph></table></mtext></math>

<base href="javascript:/">

<p id="clobber" name="__pwned">dom clobbering</p>

Inline: \`<script>window.__pwned='code-span'</script>\` stays as code.

Plain text after the payloads: SAFE-TEXT-AFTER.
`;
