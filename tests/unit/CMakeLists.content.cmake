# Unit tests of content/: included from tests/CMakeLists.txt. Paths are relative to this
# file, so the snippet works whichever CMakeLists includes it.
add_executable(test_content ${CMAKE_CURRENT_LIST_DIR}/test_content.c)
target_link_libraries(test_content PRIVATE fa_content fa_common)
fa_add_warnings(test_content)
add_test(NAME unit.content COMMAND test_content ${CMAKE_CURRENT_LIST_DIR}/golden)
set_tests_properties(unit.content PROPERTIES LABELS unit)
