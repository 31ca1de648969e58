import { randomBytes } from 'node:crypto';

/** A server-rendered page and the headers it must travel with. */
export interface RenderedPage {
  html: string;
  headers: Record<string, string>;
}

/**
 * Headers of every secure-link page: no inline script at all (there is no script), styles by nonce,
 * forms only to ourselves (and, after redemption, the bank's login, which the redirect chain of a
 * form submission reaches), never framed, never cached, never indexed, no referrer.
 */
export function pageHeaders(styleNonce: string, extraFormTargets: readonly string[] = []): Record<string, string> {
  const formAction = ["'self'", ...extraFormTargets].join(' ');
  return {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': `default-src 'none'; style-src 'nonce-${styleNonce}'; img-src 'self'; form-action ${formAction}; base-uri 'none'; frame-ancestors 'none'`,
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
    pragma: 'no-cache',
    'x-robots-tag': 'noindex, nofollow, noarchive',
    'x-content-type-options': 'nosniff',
  };
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

function layout(title: string, nonce: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<style nonce="${nonce}">
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f4f6f8;color:#1b1f24}
main{max-width:28rem;margin:12vh auto;padding:2rem 1.5rem;background:#fff;border-radius:12px;box-shadow:0 1px 4px rgba(0,0,0,.08)}
h1{font-size:1.35rem;margin:0 0 1rem}
p{line-height:1.5}
button,a.button{display:block;width:100%;box-sizing:border-box;padding:.9rem;border:0;border-radius:8px;background:#0b5cad;color:#fff;font-size:1.05rem;text-align:center;text-decoration:none;cursor:pointer}
.small{font-size:.85rem;color:#5a6470}
</style>
</head>
<body><main>
${body}
</main></body>
</html>
`;
}

export function newNonce(): string {
  return randomBytes(16).toString('base64');
}

/** A page with a fresh style nonce, and the headers that allow exactly that nonce. */
function renderPage(title: string, body: string, extraFormTargets: readonly string[] = []): RenderedPage {
  const nonce = newNonce();
  return { html: layout(title, nonce, body), headers: pageHeaders(nonce, extraFormTargets) };
}

/** The link's landing page: it consumes nothing; the button posts to the same URL. */
export function landingPage(bankName: string, extraFormTargets: readonly string[]): RenderedPage {
  const name = escapeHtml(bankName);
  return renderPage(
    `${bankName} secure chat`,
    `<h1>${name}</h1>
<p>You are about to continue your conversation with ${name} in our secure chat, outside Messenger.</p>
<form method="post">
<button type="submit">Continue to secure chat</button>
</form>
<p class="small">This link works once and only for a few minutes. Do not share it.</p>`,
    extraFormTargets,
  );
}

/** One page for every link that does not work, whatever the reason (no oracle). */
export function linkUnavailablePage(): RenderedPage {
  return renderPage(
    'This link no longer works',
    `<h1>This link no longer works</h1>
<p>Secure chat links work once and only for a few minutes.</p>
<p>To get a new one, go back to our conversation in Messenger and send <strong>new link</strong>, or tap <strong>New link</strong>.</p>`,
  );
}

export function tooManyAttemptsPage(): RenderedPage {
  return renderPage(
    'Please try again later',
    `<h1>Please try again later</h1>
<p>There were too many attempts from your network. Wait a few minutes, then open the newest link we sent you in Messenger.</p>`,
  );
}

/** After redemption, when the session is gone (expired, revoked, closed) or was never there. */
export function sessionEndedPage(): RenderedPage {
  return renderPage(
    'Your secure session has ended',
    `<h1>Your secure session has ended</h1>
<p>To continue, go back to our conversation in Messenger and send <strong>new link</strong>, or tap <strong>New link</strong>.</p>`,
  );
}

/** A login at the bank that failed or was cancelled: the session stays, the customer may try again. */
export function verificationRetryPage(retryPath: string, cancelled: boolean): RenderedPage {
  return renderPage(
    'Sign-in not completed',
    `<h1>Sign-in not completed</h1>
<p>${cancelled ? 'You cancelled the sign-in.' : 'We could not confirm your sign-in.'} To use the secure chat, please sign in with your online banking details.</p>
<a class="button" href="${escapeHtml(retryPath)}">Try again</a>`,
  );
}

/** The bank's login could not be reached. */
export function verificationUnavailablePage(retryPath: string): RenderedPage {
  return renderPage(
    'Sign-in is unavailable',
    `<h1>Sign-in is unavailable right now</h1>
<p>Please try again in a moment.</p>
<a class="button" href="${escapeHtml(retryPath)}">Try again</a>`,
  );
}
