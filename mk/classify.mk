# Classifier: capture, decoder, flows, recognisers, learned media, `classify`.
AGENT_SRCS   += agent/classify/decode.c agent/classify/reasm.c agent/classify/flow.c agent/classify/stream.c agent/classify/proto/sip.c \
                agent/classify/proto/sdp.c agent/classify/proto/sccp.c agent/classify/proto/rtp.c agent/classify/proto/stun.c agent/classify/proto/dtls.c agent/classify/proto/tftp.c \
                agent/classify/proto/merakitraffic.c agent/classify/proto/h323.c agent/classify/proto/mgcp.c agent/classify/proto/iax.c agent/classify/proto/bfcp.c \
                agent/classify/proto/zoom.c agent/classify/trust.c agent/classify/media.c agent/classify/risk.c agent/classify/classify.c agent/classify/capture.c \
                agent/cmd_classify.c
DEB_DEPS     += sip-tester tshark libndpi-bin time python3
INTEG_TESTS  += tests/integration/classify_expect.py
INTEG_TESTS  += tests/integration/classify_sipp.sh
UNIT_TESTS   += classify_decode
UNIT_TESTS   += classify_flow
UNIT_TESTS   += classify_signalling
UNIT_TESTS   += classify_recog
UNIT_TESTS   += classify_engine
UNIT_TESTS   += classify_capture
UNIT_TESTS   += trust media classify_trust
FUZZ_TARGETS += packet sip sdp sccp learning
INTEG_TESTS  += tests/integration/classify_cli.sh
BENCHES      += bench/classify_bench.sh
