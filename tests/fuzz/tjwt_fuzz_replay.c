/* Runs the fuzz target once on each file named on the command line, for
 * compilers without libFuzzer (make check builds it with gcc), and reports
 * in TAP, one line per input, for make check's TAP driver. A failing input
 * aborts the program: the driver then counts the inputs that never
 * reported against the plan printed first. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    static uint8_t buf[1 << 20];
    int i, bad = 0;

    printf("1..%d\n", argc - 1);
    fflush(stdout);
    for (i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        size_t n;

        if (!f) {
            printf("not ok %d - %s: cannot read it\n", i, argv[i]);
            bad++;
            continue;
        }
        n = fread(buf, 1, sizeof(buf), f);
        fclose(f);
        /* The name before the run: an abort leaves it in the log. */
        fprintf(stderr, "fuzz: %s\n", argv[i]);
        LLVMFuzzerTestOneInput(buf, n);
        printf("ok %d - %s\n", i, argv[i]);
        fflush(stdout);
    }
    return bad != 0;
}
