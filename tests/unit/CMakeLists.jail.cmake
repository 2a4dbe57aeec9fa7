# Unit tests of the sandbox jail (sandbox/sbx_jail.h): included from tests/CMakeLists.txt.
# Paths are relative to this file, so the snippet works whichever CMakeLists includes it.
# Run as root it also covers the switch to nobody; unprivileged it runs the same-uid case.
add_executable(test_jail ${CMAKE_CURRENT_LIST_DIR}/test_jail.c)
target_include_directories(test_jail PRIVATE ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(test_jail PRIVATE fa_sandbox fa_common Threads::Threads)
fa_add_warnings(test_jail)
add_test(NAME sandbox.jail COMMAND test_jail)
set_tests_properties(sandbox.jail PROPERTIES LABELS sandbox TIMEOUT 120)
