# Compiles SRC and succeeds only when the compiler rejects it with the message on its "// expect:" line.
file(STRINGS ${SRC} expect_line REGEX "^// expect: ")
string(REGEX REPLACE "^// expect: " "" expected "${expect_line}")
execute_process(COMMAND ${CXX} -std=c++20 -fsyntax-only -I${INC} ${SRC}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0)
  message(FATAL_ERROR "${SRC} compiled, but it must not")
endif()
string(FIND "${err}" "${expected}" pos)
if(pos EQUAL -1)
  message(FATAL_ERROR "${SRC} failed to compile, but without the expected message '${expected}':\n${err}")
endif()
message(STATUS "rejected as expected: ${expected}")
