/**
 * The Content-Security-Policy of every HTML page of the site, in a `<meta http-equiv>` of the
 * page itself (layout.html), so that it holds on any static host, which sends no such header:
 * scripts, styles and fonts only from the registry's own origin, no inline script or style, no
 * plugins, no `<base>` or form pointing elsewhere. Images and API calls may go to other origins
 * (a README's badges, an API on its own host). mdlibs-server sends the same policy as a header,
 * plus what a meta element cannot carry (`frame-ancestors`).
 */
export const PAGE_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: http:; connect-src 'self' https: http:; object-src 'none'; base-uri 'self'; form-action 'self'";
