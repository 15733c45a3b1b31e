/**
 * autocannon `setupRequest` for the bulk PATCH. autocannon's worker thread `require`s it by path
 * (a function cannot be cloned into a worker), hence `module.exports` rather than an export.
 */

interface PatchRequest {
  body?: string;
  keywordSlices: string[][];
}

let sent = 0;

function setupRequest<R extends PatchRequest>(req: R): R {
  // The counter is shared by every connection, and the bid steps through 1.00-1.99 rather than
  // flipping between two values: with concurrent connections two in-flight requests could
  // carry the same bid and commit back to back, and then the second would change no bid.
  const n = sent++;
  const bid = (100 + (n % 100)) / 100;
  // Consecutive requests take consecutive slices, so the requests in flight rarely share rows.
  const slice = req.keywordSlices[n % req.keywordSlices.length];
  req.body = JSON.stringify({ items: slice.map((id) => ({ id, bid })) });
  return req;
}

module.exports = setupRequest;
export {};
