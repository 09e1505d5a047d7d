#!/bin/sh
# tests/sh/test_cuda_emu.sh - the tools' --device cuda paths that run the
# UNet, the wavelet kernels and the face-api nets, run by the CUDA emulator
# (build/emu/bin, `make emu`: kernels/*.cu compiled for the CPU) and compared
# with the normal tools on the CPU. wtrain and wdenoise: test_cuda_tools.sh.
. tests/sh/lib.sh
E=build/emu/bin
if [ ! -f build/emu/READY ]; then
    echo "ok - skip: no emulator build (make emu; x86-64 only)"
    summary; exit
fi
M=tests/golden/model/weights.safetensors # tiny S 16 model with config metadata
G=tests/golden/faceapi

# wsample: every op of the UNet forward, guidance, DDPM noise
ok "emulated wsample -d cuda" sh -c "$E/wsample -d cuda -m $M -n 3 -b 2 --steps 5 --g-low 2 --g-high 3 -e sad -S 4 > $T/g.wes"
ok "wsample -d cpu" sh -c "wsample -d cpu -m $M -n 3 -b 2 --steps 5 --g-low 2 --g-high 3 -e sad -S 4 > $T/c.wes"
ok "DDIM samples: cuda == cpu (abs 1e-4)" tscmp -k -a 1e-4 $T/g.wes $T/c.wes
ok "emulated wsample ddpm" sh -c "$E/wsample -d cuda -m $M -n 2 --sampler ddpm --steps 6 -e happy -S 2 > $T/g2.wes"
ok "wsample ddpm cpu" sh -c "wsample -d cpu -m $M -n 2 --sampler ddpm --steps 6 -e happy -S 2 > $T/c2.wes"
ok "DDPM samples: cuda == cpu (abs 1e-4)" tscmp -k -a 1e-4 $T/g2.wes $T/c2.wes

# dwt / iwt on the GPU: bit-identical to the CPU (same operation order)
cat $G/crop_1.wes $G/crop_4.wes > $T/crops.wes
ok "emulated dwt -d cuda" sh -c "$E/dwt -d cuda -w bior4.4 -J 2 < $T/crops.wes > $T/wg.wes"
ok "dwt -d cpu" sh -c "dwt -d cpu -w bior4.4 -J 2 < $T/crops.wes > $T/wc.wes"
ok "dwt: cuda == cpu bit for bit" cmp $T/wg.wes $T/wc.wes
ok "emulated iwt -d cuda" sh -c "$E/iwt -t -d cuda < $T/wg.wes > $T/ig.wes"
ok "iwt -d cpu" sh -c "iwt -t -d cpu < $T/wc.wes > $T/ic.wes"
ok "iwt: cuda == cpu bit for bit (2 images)" sh -c "cmp $T/ig.wes $T/ic.wes && test \"\$(tsinfo $T/ic.wes | grep -c image)\" = 2"

# the face-api nets on the GPU: expression, landmarks, identity
if [ -f third_party/face-api/model/face_expression_model.bin ]; then
    ok "emulated femo -d cuda -l -i" sh -c "$E/femo -d cuda -l -i < $T/crops.wes > $T/fg.wes"
    ok "femo -d cpu -l -i" sh -c "femo -d cpu -l -i < $T/crops.wes > $T/fc.wes"
    ok "femo frames: cuda == cpu (abs 1e-4)" tscmp -a 1e-4 $T/fg.wes $T/fc.wes
    is "femo keys: same top class" "$(tsinfo $T/fg.wes | grep -o 'expr.top=[a-z]*' | tr '\n' ' ')" \
        "$(tsinfo $T/fc.wes | grep -o 'expr.top=[a-z]*' | tr '\n' ' ')"
else
    echo "ok - skip: third_party/face-api missing (sh scripts/setup.sh)"
fi

ok "WE_CUDA_TF32=1 is accepted (TF32 math mode set; the emulator multiplies in FP32)" sh -c "WE_CUDA_TF32=1 $E/wsample -d cuda -m $M -n 1 --steps 2 > $T/tf.wes"

# the emulator build without a device refuses cuda like a GPU-less machine
fails 69 "no device: wsample -d cuda exits 69" env CUDAEMU_NO_DEVICE=1 $E/wsample -d cuda -m $M -n 1 --steps 2
summary
