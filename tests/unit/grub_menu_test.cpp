#include <gtest/gtest.h>

TEST(Placeholder_grub_menu, ToBeWritten) {}
