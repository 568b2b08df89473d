#include <gtest/gtest.h>

TEST(Placeholder_grubenv, ToBeWritten) {}
