# The user-space guests (ctest -L userspace, and -L vm): no module, nothing installed but
# busybox and the bundle (tools/bundle --tests); pfn_tests, pfnbench info (the model's
# default TLB event and why it cannot count), both cover-letter tables with JSON and the
# latency table's 1 GiB column (hugetlb-1g, one page reserved at boot), in
# Debian's 6.12 under QEMU/TCG with an Intel and an AMD CPU model and one and two NUMA
# nodes, so both vendors' code paths run whatever CPU the host has (vm/run-vm-tests
# --userspace, vm/guest-userspace-init). Included by vm/CMakeLists.txt.
if(TARGET pfn_tests)
  foreach(model Skylake-Server EPYC-Milan)
    foreach(nodes 1 2)
      add_test(NAME userspace_vm_${model}_${nodes}node
        COMMAND ${CMAKE_CURRENT_LIST_DIR}/run-vm-tests --userspace --cpu ${model}
                --nodes ${nodes} --unit-tests $<TARGET_FILE:pfn_tests>
                --work ${CMAKE_CURRENT_BINARY_DIR}/work-userspace-${model}-${nodes}node)
      set_tests_properties(userspace_vm_${model}_${nodes}node PROPERTIES
        TIMEOUT 900 LABELS "userspace;vm")
    endforeach()
  endforeach()
endif()
