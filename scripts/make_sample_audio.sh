#!/usr/bin/env bash
# Regenerate the sample episode audio and WebVTT transcripts in episodes/.
#
# This documents how the samples were made; the build never runs it.
# Needs: espeak-ng, sox (with libsox-fmt-all), ffmpeg with libopus and aac.
#
#   FFMPEG=/path/to/ffmpeg scripts/make_sample_audio.sh
#
# Each episode is a short synthetic "panel": a host voice, a narrator voice that
# summarises the topics in our own words, and one quiet, distant audience voice
# (about 22 dB below the host; 20 dB in the limited episode), with pauses of
# 0.3-0.8 s between lines and pink room noise under everything, 30 dB below the
# speech (so about -52 dBFS in the -20 LUFS episode; the noise floor moves with
# each episode's level, as it would in a real recording). The four episodes are
# mastered to deliberately different levels so that the pipeline's loudness
# processing has something to do:
#
#   episode                                          format                        level
#   an-audience-with-clgdottv/...care-and-health...  FLAC mono 16 kHz 16-bit       hot: -12 LUFS, limited, peaks ~-1 dBTP
#   an-audience-with-clgdottv/...self-supporting...  Opus stereo 48 kHz 40 kb/s    very quiet: -32 LUFS
#   clgdottv-podcast/...inclusive-digital-economy    Opus mono 48 kHz 32 kb/s      -20 LUFS
#   clgdottv-podcast/...localgov-digital-co-op       M4A AAC-LC stereo 44.1k 64k   -24 LUFS
#
# Everything is deterministic: espeak-ng is, sox runs with -R (fixed seed) and
# ffmpeg muxes with +bitexact (no random Ogg serial numbers).
# The script prints each episode's chapter start times (for the .md front
# matter) and a loudness report.
set -euo pipefail

FFMPEG="${FFMPEG:-ffmpeg}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$(mktemp -d)"
[[ -n "${KEEP_WORK:-}" ]] && echo "working files in $WORK" || trap 'rm -rf "$WORK"' EXIT

RATE=48000                # working sample rate
WORK_LUFS=-28             # every line's loudness before the final level...
LINE_PEAK=-15             # ...with its sample peaks limited to this (dBFS)
NOISE_DBFS=-58            # RMS of the room noise at that working level
LEAD_IN=0.6               # seconds of room noise before the first line
TAIL=1.2                  # and after the last
PAUSES=(0.45 0.6 0.35 0.7 0.5 0.4 0.8 0.3 0.55 0.65 0.5 0.4)

# Per speaker: transcript name, espeak-ng voice, pitch, speed (wpm), sox effects,
# and level offset.
declare -A VTT_NAME=([host]="Vicky Sargent" [narrator]="Narrator" [audience]="Audience member")
declare -A VOICE=([host]="en-gb+f3" [narrator]="en-gb-x-rp" [audience]="en-us+m3")
declare -A PITCH=([host]=58 [narrator]=36 [audience]=45)
declare -A SPEED=([host]=158 [narrator]=165 [audience]=150)
declare -A EFFECTS=(
  [host]="highpass 70"
  [narrator]="highpass 70 bass -2"
  [audience]="highpass 220 lowpass 4000 reverb 45 50 80 100 20 0"
)
declare -A OFFSET=([host]=0 [narrator]=0 [audience]=-22)   # dB against WORK_LUFS

F32=(-e floating-point -b 32)

# Integrated loudness, LRA and true peak of a file, as "I LRA TP".
measure() {
  "$FFMPEG" -nostdin -hide_banner -nostats -i "$1" -af ebur128=peak=true -f null - 2>&1 |
    awk '/Summary:/ {s = 1}
         s && $1 == "I:"    {i = $2}
         s && $1 == "LRA:"  {l = $2}
         s && $1 == "Peak:" {p = $2}
         END {print i, l, p}'
}

# What espeak-ng should say, for words the transcript spells differently.
spoken() {
  sed -e 's/CLGdotTV/C L G dot T V/g' \
      -e 's/localgov\.digital/local gov dot digital/g' \
      -e 's/LocalGov/Local Gov/g' \
      -e 's/NHS SUS/N H S, S U S,/g' \
      -e 's/23 October/23rd of October/g' \
      -e 's/£1/one pound/g' \
      -e 's/HR/H R/g' <<<"$1"
}

fmt_vtt() { awk -v t="$1" 'BEGIN {ms = int(t * 1000 + 0.5); printf "%02d:%02d:%02d.%03d", ms / 3600000, (ms / 60000) % 60, (ms / 1000) % 60, ms % 1000}'; }
fmt_chapter() { awk -v t="$1" 'BEGIN {s = int(t + 0.5); printf "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60}'; }
add() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.6f", a + b}'; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", a - b}'; }
lin() { awk -v d="$1" 'BEGIN {printf "%.4f", 10 ^ (d / 20)}'; }

# make_episode SHOW STEM EXT LUFS LIMIT(limiter ceiling in dBFS, or "none") < script
# The script on stdin has one line per clip: speaker|chapter title (or empty)|text
make_episode() {
  local show="$1" stem="$2" ext="$3" lufs="$4" limit="$5"
  local dir="$ROOT/episodes/$show" w="$WORK/$stem"
  mkdir -p "$dir" "$w"

  local vtt="$dir/$stem.vtt" t="$LEAD_IN" n=0 parts=() chapters=()
  sox -n -r $RATE -c 1 "${F32[@]}" "$w/lead.wav" trim 0 "$LEAD_IN"
  parts+=("$w/lead.wav")
  printf 'WEBVTT\n' >"$vtt"

  local lines line speaker chapter text
  mapfile -t lines
  for line in "${lines[@]}"; do
    [[ -z "$line" || "$line" == \#* ]] && continue
    IFS='|' read -r speaker chapter text <<<"$line"
    if ((n > 0)); then
      local gap="${PAUSES[$(((n - 1) % ${#PAUSES[@]}))]}"
      sox -n -r $RATE -c 1 "${F32[@]}" "$w/gap$n.wav" trim 0 "$gap"
      parts+=("$w/gap$n.wav")
      t="$(add "$t" "$gap")"
    fi
    # Speak (espeak-ng writes near full scale, so turn it down first), trim its
    # own leading/trailing silence, colour the voice, bring the line to the
    # working level, tame espeak's spiky glottal peaks with a limiter, correct
    # the level once more, and finally offset the quiet speaker.
    espeak-ng -v "${VOICE[$speaker]}" -p "${PITCH[$speaker]}" -s "${SPEED[$speaker]}" \
      -w "$w/raw$n.wav" "$(spoken "$text")"
    # shellcheck disable=SC2086
    sox "$w/raw$n.wav" -r $RATE -c 1 "${F32[@]}" "$w/fx$n.wav" gain -10 \
      silence 1 0.02 -60d reverse silence 1 0.02 -60d reverse ${EFFECTS[$speaker]}
    local i gain
    read -r i _ _ < <(measure "$w/fx$n.wav")
    "$FFMPEG" -nostdin -hide_banner -loglevel error -y -i "$w/fx$n.wav" \
      -af "volume=$(sub "$WORK_LUFS" "$i")dB,alimiter=limit=$(lin "$LINE_PEAK"):attack=2:release=40:level=false:latency=true" \
      -c:a pcm_f32le "$w/lim$n.wav"
    read -r i _ _ < <(measure "$w/lim$n.wav")
    gain="$(add "$(sub "$WORK_LUFS" "$i")" "${OFFSET[$speaker]}")"
    sox "$w/lim$n.wav" "${F32[@]}" "$w/line$n.wav" gain "$gain"
    parts+=("$w/line$n.wav")

    local dur end
    dur="$(soxi -D "$w/line$n.wav")"
    end="$(add "$t" "$dur")"
    # Chapters start on the nearest second; the first one at the very start.
    if [[ -n "$chapter" ]]; then
      if ((n == 0)); then chapters+=("0:00:00  $chapter"); else chapters+=("$(fmt_chapter "$t")  $chapter"); fi
    fi
    printf '\n%d\n%s --> %s\n<v %s>%s</v>\n' "$((n + 1))" "$(fmt_vtt "$t")" "$(fmt_vtt "$end")" \
      "${VTT_NAME[$speaker]}" "$text" >>"$vtt"
    t="$end"
    n=$((n + 1))
  done

  sox -n -r $RATE -c 1 "${F32[@]}" "$w/tail.wav" trim 0 "$TAIL"
  parts+=("$w/tail.wav")
  sox "${parts[@]}" "$w/speech.wav"

  # Room noise: pink, slightly band-limited, at NOISE_DBFS RMS.
  local total rms
  total="$(soxi -D "$w/speech.wav")"
  sox -R -n -r $RATE -c 1 "${F32[@]}" "$w/pink.wav" synth "$total" pinknoise highpass 40 lowpass 7000
  rms="$(sox "$w/pink.wav" -n stats 2>&1 | awk '/RMS lev dB/ {print $4}')"
  sox "$w/pink.wav" "$w/noise.wav" gain "$(sub "$NOISE_DBFS" "$rms")"
  sox -R -m -v 1 "$w/speech.wav" -v 1 "$w/noise.wav" "${F32[@]}" "$w/mix.wav"

  # Final rate and channels, then the episode's level (and a limiter if asked).
  local out_rate out_ch encode=()
  case "$ext" in
    flac) out_rate=16000; out_ch=1; encode=(-c:a flac -sample_fmt s16 -compression_level 8) ;;
    opus) out_rate=48000; out_ch="$OPUS_CHANNELS"; encode=(-c:a libopus -b:a "$OPUS_BITRATE" -vbr on) ;;
    m4a)  out_rate=44100; out_ch=2; encode=(-c:a aac -profile:a aac_low -b:a 64k -movflags +faststart) ;;
  esac
  sox -R "$w/mix.wav" -r "$out_rate" -c "$out_ch" "${F32[@]}" "$w/stage.wav"

  # Set the level. With a limiter: a fast one (espeak-ng's peaks are in the
  # shape of each glottal pulse, so a slow release would only turn the whole
  # line down), run at 4x the sample rate so that true peaks are what it sees.
  local g pass i tp
  read -r i _ _ < <(measure "$w/stage.wav")
  g="$(sub "$lufs" "$i")"
  for pass in 1 2 3 4 5 6; do
    local af="volume=${g}dB"
    [[ "$limit" != none ]] && af+=",aresample=$((out_rate * 4)):resampler=soxr,alimiter=limit=$(lin "$limit"):attack=0.5:release=5:level=false:latency=true,aresample=$out_rate:resampler=soxr"
    "$FFMPEG" -nostdin -hide_banner -loglevel error -y -i "$w/stage.wav" -af "$af" -c:a pcm_f32le "$w/master.wav"
    read -r i _ tp < <(measure "$w/master.wav")
    [[ -n "${KEEP_WORK:-}" ]] && echo "   pass $pass: gain $g -> I $i, TP $tp"
    awk -v a="$i" -v b="$lufs" 'BEGIN {exit !((a - b) ^ 2 < 0.02)}' && break
    g="$(add "$g" "$(sub "$lufs" "$i")")"
  done

  local out="$dir/$stem.$ext"
  "$FFMPEG" -nostdin -hide_banner -loglevel error -y -i "$w/master.wav" -map_metadata -1 -fflags +bitexact -flags:a +bitexact \
    -ar "$out_rate" -ac "$out_ch" "${encode[@]}" \
    -metadata title="$TITLE" -metadata artist="CLGdotTV" -metadata album="$ALBUM" \
    -metadata date="${stem:0:4}" "$out"

  echo "== $show/$stem.$ext  ($(soxi -D "$w/speech.wav" | cut -c1-5) s)"
  printf '   chapters:\n'
  printf '     %s\n' "${chapters[@]}"
  read -r i l p < <(measure "$out")
  printf '   loudness: I %s LUFS, LRA %s LU, true peak %s dBTP\n' "$i" "$l" "$p"
}

# ---------------------------------------------------------------------------
# An Audience with CLGdotTV, No 3 (23 October): social care and health.

# The hot one: turned up to -12 LUFS into a limiter at -1 dBFS (4x oversampled).
TITLE="Integrating health and social care around place" ALBUM="An Audience with CLGdotTV" \
make_episode an-audience-with-clgdottv 2026-10-23-care-and-health-integration flac -12 -1 <<'EOF'
host|Welcome|Welcome to An Audience with CLGdotTV, number three, on social care and health.
narrator|Integrating services around place|First, joining up health and social care around a place, not around each organisation.
narrator|The HR and skills conundrum|At its heart: HR, contracts and skills from different employers.
host|Sharing information and data|Next, sharing citizen information, and using population and NHS SUS data to improve services.
audience|Question from the floor|How do small care providers keep up?
host|Social prescribing and apps|Finally, social prescribing, and apps in social care.
EOF

TITLE="Can current systems last? Self-supporting communities" ALBUM="An Audience with CLGdotTV" \
OPUS_CHANNELS=2 OPUS_BITRATE=40k \
make_episode an-audience-with-clgdottv 2026-10-23-self-supporting-communities opus -32 none <<'EOF'
host|Welcome|Welcome back to An Audience with CLGdotTV, number three. In this part we ask whether today's systems can last.
narrator|Sustainability of current systems|Demand for care keeps rising, and budgets do not. How long can current systems carry on as they are?
narrator|Self-supporting communities|One answer is self-supporting communities, where neighbours, volunteers and local groups do more for one another.
host|Asset-based commissioning|That leads to asset-based commissioning: starting from what a place already has, not only from what it lacks.
audience|Question from the floor|Who pays for the community groups?
host|Close|Thanks for listening. Be one of the sixty at our next Audience.
EOF

# ---------------------------------------------------------------------------
# CLGdotTV Podcast

TITLE="Towards a more inclusive digital economy" ALBUM="CLGdotTV Podcast" \
OPUS_CHANNELS=1 OPUS_BITRATE=32k \
make_episode clgdottv-podcast 2026-10-02-inclusive-digital-economy opus -20 none <<'EOF'
host|Welcome|Welcome to the CLGdotTV Podcast. Today: towards a more inclusive digital economy.
narrator|The Federation, Manchester|Emer Coleman of Co-op Digital described The Federation, a Manchester workspace for co-ops, social enterprises and community interest companies.
narrator|Northcoders|Northcoders, based there, has trained hundreds of people as developers in as little as 12 weeks.
host|Rochdale and Zen|Sue Ayres of Rochdale Council told us how Zen grew, with council support, from a kitchen table to 430 local employees in 23 years.
audience|Question from the floor|How can a small co-op win council work?
host|Social value in procurement|Councils now ask suppliers for social value: local jobs, local suppliers, training and ethical practice.
EOF

TITLE="LocalGov Digital becomes a co-operative" ALBUM="CLGdotTV Podcast" \
make_episode clgdottv-podcast 2026-11-06-localgov-digital-co-op m4a -24 none <<'EOF'
host|Welcome|Welcome to the CLGdotTV Podcast. This time: LocalGov Digital becomes a co-operative.
narrator|What LocalGov Digital is|LocalGov Digital is an informal network of volunteers, raising the standard of digital in councils.
narrator|Membership for £1|It set out to become a co-op, with membership for £1, an offer for organisations, and sponsorship criteria based on co-op principles.
host|Voices from Devon|Carl Haggerty, a co-founder, and Kelly Doonan, a content designer, both of Devon County Council, spoke for the network.
audience|Question from the floor|Can people outside councils join?
host|Finding out more|Membership details are at localgov.digital. Thanks for listening.
EOF
