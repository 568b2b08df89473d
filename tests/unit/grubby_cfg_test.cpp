// placeholder: filled in by issue 5
#include <gtest/gtest.h>
