// Bundled by test/package/package.test.ts with the app bundle's own esbuild options and written beside it in an
// unpacked package, so `import.meta.url` is the deployed bundle's. It calls the review HTTP function
// (functions/review-http.ts) for the page's files, as the host would, and prints what it served as one JSON line.
import { HttpRequest, InvocationContext } from '@azure/functions';
import { review } from '../../functions/review-http.js';

const served: Record<string, { status: number; contentType: string | null; body: string }> = {};
const context = new InvocationContext({ invocationId: 'package-probe', functionName: 'reviewPage' });
for (const asset of ['', 'index.html', 'app.js', 'app.css']) {
  const response = await review(new HttpRequest({ method: 'GET', url: `https://func.example/api/review/${asset}` }), context);
  served[asset] = { status: response.status ?? 200, contentType: response.headers.get('content-type'), body: await response.text() };
}
process.stdout.write(`${JSON.stringify(served)}\n`);
