# Engine and api sources of each native module (the binding file is src/bindings/micropython/$(MOD).cpp).
NATMODS = emlearn_trees

SRC_emlearn_trees = src/api/api.cpp src/api/trees_api.cpp src/core/trees.cpp \
	src/core/trees_csv.cpp src/core/decimal.cpp
HOT_emlearn_trees =

# On-device learning (issue 4).
NATMODS += emlearn_neighbors emlearn_kmeans emlearn_linreg emlearn_logreg

SRC_emlearn_neighbors = src/api/api.cpp src/api/neighbors_api.cpp src/core/neighbors.cpp \
	src/core/neighbors_file.cpp
# -Os throughout: predict() costs 9.3k instructions per call at -Os, 8.5k at -O2 (100 items of 8
# features, k=5; the reference: 32.7k), and -O2 would add 720 bytes (x64) / 350 (armv7emsp).
HOT_emlearn_neighbors =

SRC_emlearn_kmeans = src/api/api.cpp src/api/kmeans_api.cpp src/core/kmeans.cpp
HOT_emlearn_kmeans =

# natmod_args.h is listed for its qstrs (train()'s keyword names); only .cpp files are compiled.
SRC_emlearn_linreg = src/api/api.cpp src/api/linreg_api.cpp src/core/linreg.cpp \
	src/core/train_loop.cpp src/bindings/micropython/natmod_args.h
HOT_emlearn_linreg =

SRC_emlearn_logreg = src/api/api.cpp src/api/logreg_api.cpp src/core/logreg.cpp src/core/mathf.cpp \
	src/core/train_loop.cpp src/bindings/micropython/natmod_args.h
HOT_emlearn_logreg =

# Signal processing (issue 3).
NATMODS += emlearn_fft emlearn_iir emlearn_iir_q15 emlearn_arrayutils

SRC_emlearn_fft = src/api/api.cpp src/api/fft_api.cpp src/core/fft.cpp
# -Os, with the butterfly passes and the bit reversal at -O2 (MICROLEARN_HOT in fft.cpp).
HOT_emlearn_fft =

SRC_emlearn_iir = src/api/api.cpp src/api/iir_api.cpp src/core/iir.cpp \
	src/bindings/micropython/iir_natmod.h
# -Os, with the section loops at -O2 (MICROLEARN_HOT in iir.cpp and iir_q15.cpp): as fast as the
# whole file at -O2, and the rest of the file can be inlined into the module's one unit.
HOT_emlearn_iir =

SRC_emlearn_iir_q15 = src/api/api.cpp src/api/iir_q15_api.cpp src/core/iir_q15.cpp \
	src/bindings/micropython/iir_natmod.h
HOT_emlearn_iir_q15 =

SRC_emlearn_arrayutils = src/api/api.cpp src/api/arrayutils_api.cpp src/core/arrayutils.cpp
HOT_emlearn_arrayutils =
# Every operation rounded on its own, as documented (src/core/arrayutils.h): GCC's default fuses
# a * b + c into one multiply-add on cores that have it (Cortex-M4F/M7), which rounds once.
CXXFLAGS_emlearn_arrayutils = -ffp-contract=off

# Convolutional networks from TinyMaix .tmdl files: one engine, a module per model kind.
NATMODS += emlearn_cnn_int8 emlearn_cnn_fp32

# cnn_natmod.h is listed for its qstrs.
SRC_emlearn_cnn_int8 = src/api/api.cpp src/api/cnn_api.cpp src/core/cnn.cpp src/core/mathf.cpp \
	src/bindings/micropython/cnn_natmod.h
HOT_emlearn_cnn_int8 =
SRC_emlearn_cnn_fp32 = $(SRC_emlearn_cnn_int8)
HOT_emlearn_cnn_fp32 =
# Each module runs one kind of model (cnn.cpp).
CXXFLAGS_emlearn_cnn_int8 = -DMICROLEARN_CNN_FP32=0
CXXFLAGS_emlearn_cnn_fp32 = -DMICROLEARN_CNN_INT8=0
