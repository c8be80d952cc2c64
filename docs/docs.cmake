# The API reference, built by the target `docs` (not part of `all`) when Doxygen is found:
#   cmake --build build --target docs        ->  build/docs/html/index.html
# docs/Doxyfile holds the settings; here only the output folder and the comment filter's absolute path.
find_package(Doxygen QUIET)
if(NOT DOXYGEN_FOUND)
  message(STATUS "Doxygen not found: no target docs (Debian package doxygen)")
  return()
endif()
find_package(Python3 COMPONENTS Interpreter QUIET)
set(RETORT_DOCS_DIR ${CMAKE_BINARY_DIR}/docs)
set(doxyfile "@INCLUDE = ${CMAKE_SOURCE_DIR}/docs/Doxyfile\nOUTPUT_DIRECTORY = ${RETORT_DOCS_DIR}\n")
if(Python3_Interpreter_FOUND)
  string(APPEND doxyfile "FILTER_PATTERNS = *.hpp=\"${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/docs/doc_comments.py\"\n")
else()
  # Without the filter Doxygen sees no /// comments: the reference lists the API without its descriptions.
  message(STATUS "Python 3 not found: the API reference will have no descriptions from the headers' comments")
  string(APPEND doxyfile "FILTER_PATTERNS =\n")
endif()
file(GENERATE OUTPUT ${CMAKE_BINARY_DIR}/Doxyfile.docs CONTENT "${doxyfile}")
add_custom_target(docs
  COMMAND ${CMAKE_COMMAND} -E make_directory ${RETORT_DOCS_DIR}
  COMMAND Doxygen::doxygen ${CMAKE_BINARY_DIR}/Doxyfile.docs
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
  COMMENT "Doxygen: the API reference in ${RETORT_DOCS_DIR}/html/index.html"
  VERBATIM)
