/* merge: `crossrun merge OUT.xml IN.xml...`: the JUnit reports of the
 * shares of a sharded run (or any JUnit reports) joined into one, valid
 * against junit-10.xsd, through libxml2 (DESIGN.md s9). */
#ifndef CROSSRUN_MERGE_H
#define CROSSRUN_MERGE_H

/* Run the merge command; argv[0] is "merge". Every <testsuite> of the
 * inputs (in their order) goes into one <testsuites>, with the counts of
 * each suite and the totals of the root recomputed from the testcases.
 * A test (classname and name) found in two inputs is an error naming it
 * and both files, unless --allow-duplicates is given. Writes OUT whole
 * or not at all. Returns the exit status: 0, 4 for a usage error or an
 * input that is not a JUnit report (message on stderr), 3 when OUT
 * cannot be written. */
int merge_main(int argc, char **argv);

#endif
