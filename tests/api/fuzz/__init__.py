# The machinery of tests/api/test_fuzz_api.py, in modules small enough to compile on a 140 KB heap
# (QEMU boards); the test imports one of the last four at a time and drops it afterwards:
#   values    the hostile values, made fresh for each call
#   engine    pools of them for each argument, and Fuzz, which calls functions with them
#   fixtures  small valid objects of every loaded module, and their known answers
#   signal    emlearn_fft, emlearn_iir, emlearn_iir_q15, emlearn_arrayutils
#   models    emlearn_trees, emlearn_neighbors
#   training  emlearn_kmeans, emlearn_linreg, emlearn_logreg
#   objects   the types themselves (constructors, subclasses, foreign self) and callbacks that
#             change a model in the middle of a call
