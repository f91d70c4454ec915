// A program with no Qt at all: launch must refuse it with a clear error (exit 2).
#include <cstdio>

int main() {
    std::puts("not a Qt program");
    return 0;
}
