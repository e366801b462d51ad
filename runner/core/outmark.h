/* outmark: how a worker marks its own stdout and stderr (fd 1 and 2) so
 * that the runner gives each part of them to the right result.
 *
 * The worker's output travels on pipes of its own, beside the protocol
 * pipe, so when the runner reads a test point it cannot tell what the
 * worker wrote before the point from what it wrote after (a runner that
 * lags behind finds both in the pipe). Before it reports a result that it
 * produced itself (a test run in the worker, a module fixture's set-up or
 * teardown, an import error), the worker flushes its output and writes
 * OUTMARK_HEAD, the point's number in decimal, and OUTMARK_END to fd 1
 * and fd 2; after importing a file it marks the number of its first
 * test. The runner gives a result numbered N what precedes the last mark
 * numbered N or less, marks removed; what is left when the worker ends
 * goes with its last result (or with the test it died in). */
#ifndef CROSSRUN_OUTMARK_H
#define CROSSRUN_OUTMARK_H

#define OUTMARK_HEAD "\x01" "crossrun-out "
#define OUTMARK_END '\x01'

#endif
