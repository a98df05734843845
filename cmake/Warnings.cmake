# All warning flags in one place (curl's PickyWarnings.cmake).
set(JR_WARNINGS
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wformat=2
  -Wstrict-prototypes -Wmissing-prototypes -Wvla -Wcast-qual -Wundef
  -Wpointer-arith -Wwrite-strings)
if(JR_WERROR)
  list(APPEND JR_WARNINGS -Werror)
endif()

# jr_target_defaults(<target>): warnings, hidden visibility, hardening.
function(jr_target_defaults tgt)
  target_compile_options(${tgt} PRIVATE ${JR_WARNINGS})
  target_compile_definitions(${tgt} PRIVATE _FORTIFY_SOURCE=2 _POSIX_C_SOURCE=200809L _DEFAULT_SOURCE)
  set_target_properties(${tgt} PROPERTIES C_VISIBILITY_PRESET hidden)
endfunction()
