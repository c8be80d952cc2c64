# Compiles SRC and succeeds only when the compiler rejects it with the message on its "// expect:" line, as the
# first error and a static_assert, followed by at most one other error: a mistake reads as one sentence, not as a
# wall of errors from inside Retort.
file(STRINGS ${SRC} expect_line REGEX "^// expect: ")
string(REGEX REPLACE "^// expect: " "" expected "${expect_line}")
string(REPLACE "\\;" ";" expected "${expected}")  # file(STRINGS) escapes a ';' in the line as a list would
execute_process(COMMAND ${CXX} -std=c++20 -fsyntax-only -I${INC} ${SRC}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0)
  message(FATAL_ERROR "${SRC} compiled, but it must not")
endif()
string(FIND "${err}" "${expected}" pos)
if(pos EQUAL -1)
  message(FATAL_ERROR "${SRC} failed to compile, but without the expected message '${expected}':\n${err}")
endif()
# The first error line: GCC's "static assertion failed: ...", Clang's "static_assert failed ... \"...\"".
string(REGEX MATCH "[^\n]*error:[^\n]*" first_error "${err}")
string(FIND "${first_error}" "${expected}" first_pos)
if(first_pos EQUAL -1 OR NOT first_error MATCHES "static.assert")
  message(FATAL_ERROR "${SRC}: the first error is not the static_assert with '${expected}':\n${err}")
endif()
# Counted as occurrences of "error:" (the messages themselves may hold ';', which would split a CMake list of lines).
string(REGEX MATCHALL "error:" errors "${err}")
list(LENGTH errors error_count)
if(error_count GREATER 2)
  message(FATAL_ERROR "${SRC}: ${error_count} errors; at most 2 are expected after a static_assert:\n${err}")
endif()
message(STATUS "rejected as expected: ${expected}")
