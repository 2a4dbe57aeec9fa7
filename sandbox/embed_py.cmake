# embed_py.cmake: writes a C header holding a Python source file as a NUL-terminated char
# array (ISO C caps a string literal's length; an array of bytes has no such cap), so the
# engine's Python parts live in real .py files that can be read, linted and tested.
# Usage: cmake -DIN=file.py -DOUT=file_py.h -DNAME=c_name -P embed_py.cmake
file(READ "${IN}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
# 16 bytes a line keeps the generated header readable in a debugger.
string(REGEX REPLACE "((0x[0-9a-f][0-9a-f],){16})" "\\1\n    " bytes "${bytes}")
get_filename_component(name "${IN}" NAME)
file(WRITE "${OUT}"
     "/* Generated from sandbox/pyaudit/${name} by sandbox/embed_py.cmake: do not edit. */\n"
     "static const char ${NAME}[] = {\n    ${bytes}0x00};\n")
