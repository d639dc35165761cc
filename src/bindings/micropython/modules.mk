# Engine and api sources of each native module (the binding file is src/bindings/micropython/$(MOD).cpp).
NATMODS = emlearn_trees

SRC_emlearn_trees = src/api/api.cpp src/api/trees_api.cpp src/core/trees.cpp \
	src/core/trees_csv.cpp src/core/decimal.cpp
HOT_emlearn_trees =
