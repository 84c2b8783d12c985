# Classifier: capture, decoder, flows, recognisers, learned media, `classify`.
AGENT_SRCS   += agent/decode.c agent/reasm.c agent/flow.c agent/stream.c agent/sip.c \
                agent/sdp.c agent/sccp.c agent/rtp.c agent/stun.c agent/dtls.c agent/tftp.c \
                agent/merakitraffic.c agent/h323.c agent/mgcp.c agent/iax.c agent/bfcp.c \
                agent/zoom.c agent/trust.c agent/media.c agent/risk.c agent/classify.c agent/capture.c \
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
