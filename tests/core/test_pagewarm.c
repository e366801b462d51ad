/* test_pagewarm: the first forked copy of a snapshot records the pages
 * it wrote; a later copy of the same snapshot gets exactly those (that it
 * still shares) copied ahead, with every byte unchanged; a copy of a new
 * snapshot gets nothing until a copy of that one has learned, and only
 * the first copy of a snapshot learns; a copy told to stop leaves the
 * runs after the one it was copying. */
#include "core/pagewarm.h"

#include "kit/unit.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define NPAGES 400
#define PAGE 4096

static unsigned char *region;

/* Is the page at p mapped by this process alone (pagemap bit 56)?
 * -1 when pagemap cannot be read. */
static int exclusive(const void *p)
{
    uint64_t e = 0;
    int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    ssize_t got;

    if (fd < 0) {
        return -1;
    }
    got = pread(fd, &e, sizeof e,
                (off_t)((uintptr_t)p / PAGE * sizeof e));
    close(fd);
    if (got != (ssize_t)sizeof e) {
        return -1;
    }
    return (e >> 63) & 1 && (e >> 56) & 1;
}

/* In a child: write to pages 3, 4 and 40 of the region, then learn. */
static void learner(void)
{
    region[3 * PAGE] ^= 1;
    region[4 * PAGE] ^= 1;
    region[40 * PAGE] ^= 1;
    pagewarm_learn();
}

/* In a child: the exit status says what apply did: bit 0 set when apply
 * found nothing learned; bit 1 when pages 3, 4 and 40 are not all this
 * process's own after it; bit 2 when another page is; bit 3 when a byte
 * changed. */
static int applier(void)
{
    int status = 0;
    long asked = pagewarm_apply(NULL);

    if (asked < 0) {
        return 1;
    }
    for (int i = 0; i < NPAGES; i++) {
        int own = exclusive(region + (size_t)i * PAGE);
        int wanted = i == 3 || i == 4 || i == 40;

        if (wanted && own != 1) {
            status |= 2;
        }
        if (!wanted && own != 0) {
            status |= 4;
        }
        if (region[(size_t)i * PAGE] != (unsigned char)i) {
            status |= 8;
        }
    }
    return status;
}

/* Fork, run fn in the child, return its exit status (-1 on failure). */
static int in_child(int (*fn)(void))
{
    int status;
    pid_t pid = fork();

    if (pid == 0) {
        _exit(fn());
    }
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
        return -1;
    }
    return WEXITSTATUS(status);
}

static int learn_and_exit(void)
{
    learner();
    return 0;
}

/* A later copy that writes other pages (10) and tries to learn. */
static int learn_other(void)
{
    region[10 * PAGE] ^= 1;
    pagewarm_learn();
    return 0;
}

static void test_learn_then_apply(void)
{
    CHECK(pagewarm_snapshot() == 0);
    /* Nothing learned yet for this snapshot. */
    CHECK(in_child(applier) == 1);
    CHECK(in_child(learn_and_exit) == 0);
    CHECK(in_child(applier) == 0);
    /* Only the first copy learns: a second learner changes nothing. */
    CHECK(in_child(learn_other) == 0);
    CHECK(in_child(applier) == 0);
}

/* Two runs of 100 pages: 100-199 and 300-399. */
static int learn_two_runs(void)
{
    for (int i = 100; i < 400; i++) {
        if (i < 200 || i >= 300) {
            region[(size_t)i * PAGE] ^= 1;
        }
    }
    pagewarm_learn();
    return 0;
}

/* Stop as soon as the first run is copied (pages of other mappings
 * that the learner wrote may come before it). */
static int first_run_done(void)
{
    return exclusive(region + 199 * (size_t)PAGE) == 1;
}

/* Exit status: which runs are this process's own after apply was told
 * to stop once the first was: 1 (the first run, whole) + 2 (any page of
 * the second). */
static int stopped_applier(void)
{
    int first = 1, second = 0;

    if (pagewarm_apply(first_run_done) < 0) {
        return 8;
    }
    for (int i = 100; i < 400; i++) {
        int own = exclusive(region + (size_t)i * PAGE) == 1;

        if (i < 200) {
            first &= own;
        } else if (i >= 300) {
            second |= own;
        }
    }
    return first | (second << 1);
}

static void test_stop(void)
{
    CHECK(pagewarm_snapshot() == 0);
    CHECK(in_child(learn_two_runs) == 0);
    /* Asked at the latest after the first run (100 pages, more than
     * STOP_EVERY): the second is left to the job. */
    CHECK(in_child(stopped_applier) == 1);
}

static void test_new_snapshot_forgets(void)
{
    CHECK(pagewarm_snapshot() == 0);
    CHECK(in_child(applier) == 1);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    region = mmap(NULL, NPAGES * PAGE, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (!CHECK(region != MAP_FAILED)) {
        return unit_done();
    }
    for (int i = 0; i < NPAGES; i++) {
        region[(size_t)i * PAGE] = (unsigned char)i;
    }
    if (exclusive(region) != 1) {
        printf("# /proc/self/pagemap does not tell exclusive pages here\n");
    }
    test_learn_then_apply();
    test_stop();
    test_new_snapshot_forgets();
    return unit_done();
}
