"""The FFI on Debian's TagLib (package libtag1-dev), driven as its
documentation's first example does: a FileRef opens a file, its Tag and
AudioProperties are pure-virtual interfaces called through their vtables,
and Tag::title() returns a TagLib::String by value (a class with a
virtual destructor: a hidden result pointer). The file is written by
Python's wave module and tagged by mutagen, which also reads back what
TagLib saves."""
import os
import tempfile
import wave

import mutagen.id3
import mutagen.wave

import crossrun

tag = crossrun.load("libtag.so.1")
tag.typedef("TagLib::FileName", "const char*")          # tiostream.h, POSIX
ReadStyle = tag.enum("TagLib::AudioProperties::ReadStyle",
                     {"Fast": 0, "Average": 1, "Accurate": 2})
StringType = tag.enum("TagLib::String::Type", {"Latin1": 0, "UTF16": 1,
                                               "UTF16BE": 2, "UTF8": 3,
                                               "UTF16LE": 4})
String = tag.cls("TagLib::String", size=16, methods=[
    "String(const char* s, TagLib::String::Type t = Latin1)",
    "String(const TagLib::String& s)",
    "virtual ~String()",
    "std::string to8Bit(bool unicode = false) const",
    "bool isEmpty() const",
])
# tag.h, virtual functions in header order.
Tag = tag.cls("TagLib::Tag", size=16, methods=[
    "virtual ~Tag()",
    "virtual TagLib::String title() const = 0",
    "virtual TagLib::String artist() const = 0",
    "virtual TagLib::String album() const = 0",
    "virtual TagLib::String comment() const = 0",
    "virtual TagLib::String genre() const = 0",
    "virtual unsigned int year() const = 0",
    "virtual unsigned int track() const = 0",
    "virtual void setTitle(const TagLib::String& s) = 0",
])
# audioproperties.h
Props = tag.cls("TagLib::AudioProperties", size=16, methods=[
    "virtual ~AudioProperties()",
    "virtual int length() const = 0",
    "int lengthInMilliseconds() const",
    "virtual int bitrate() const = 0",
    "virtual int sampleRate() const = 0",
    "virtual int channels() const = 0",
])
FileRef = tag.cls("TagLib::FileRef", size=64, methods=[
    "explicit FileRef(TagLib::FileName fileName, bool readAudioProperties = "
    "true, TagLib::AudioProperties::ReadStyle audioPropertiesStyle = "
    "AudioProperties::Average)",
    "virtual ~FileRef()",
    "TagLib::Tag* tag() const",
    "TagLib::AudioProperties* audioProperties() const",
    "bool save()",
    "bool isNull() const",
])

TITLE = "Caf\u00e9 \u266b"


def make_wav(path, rate=22050, channels=2, frames=33075):
    with wave.open(path, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\x01\x00" * channels * frames)
    f = mutagen.wave.WAVE(path)
    f.add_tags()
    f.tags.add(mutagen.id3.TIT2(encoding=3, text=TITLE))
    f.tags.add(mutagen.id3.TPE1(encoding=3, text="The Band"))
    f.tags.add(mutagen.id3.TALB(encoding=3, text="Album"))
    f.tags.add(mutagen.id3.TDRC(encoding=3, text="2019"))
    f.tags.add(mutagen.id3.TRCK(encoding=3, text="7"))
    f.save()


def text(s):
    """A TagLib::String (owned, by value) as Python text; closes it."""
    with s:
        return bytes(s.to8Bit(True)).decode("utf-8")


def test_tags_and_audio_properties_through_virtual_interfaces():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "song.wav")
        make_wav(path)
        truth = mutagen.wave.WAVE(path)
        with FileRef(path.encode()) as ref:      # two defaults omitted
            assert not ref.isNull()
            t = ref.tag()
            assert text(t.title()) == str(truth.tags["TIT2"]) == TITLE
            assert text(t.artist()) == str(truth.tags["TPE1"])
            assert text(t.album()) == "Album"
            assert t.year() == int(str(truth.tags["TDRC"]))
            assert t.track() == int(str(truth.tags["TRCK"]))
            assert text(t.genre()) == ""
            p = ref.audioProperties()
            assert p.sampleRate() == truth.info.sample_rate == 22050
            assert p.channels() == truth.info.channels == 2
            assert p.lengthInMilliseconds() == round(truth.info.length * 1000)


def test_a_title_set_through_the_vtable_is_saved_for_mutagen_to_read():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "song.wav")
        make_wav(path)
        new = "\u00c9t\u00e9 2024"
        with FileRef(path.encode(), False) as ref:
            with String(new.encode("utf-8"), StringType.UTF8) as s:
                ref.tag().setTitle(s)
            assert ref.save() is True
        assert str(mutagen.wave.WAVE(path).tags["TIT2"]) == new
