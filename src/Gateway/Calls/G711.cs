namespace Gateway.Calls;

/// <summary>G.711 encoding of 16-bit linear samples (ITU-T G.711): μ-law (PCMU) and A-law (PCMA).</summary>
public static class G711
{
    private const int MuLawBias = 0x84;
    private const int MuLawClip = 32635;

    public static byte MuLaw(short sample)
    {
        var sign = sample < 0 ? 0x80 : 0;
        var magnitude = Math.Min(Math.Abs((int)sample), MuLawClip) + MuLawBias;
        var exponent = 7;
        for (var mask = 0x4000; (magnitude & mask) == 0 && exponent > 0; mask >>= 1)
        {
            exponent--;
        }

        var mantissa = (magnitude >> (exponent + 3)) & 0x0F;
        return (byte)~(sign | (exponent << 4) | mantissa);
    }

    public static byte ALaw(short sample)
    {
        var sign = sample >= 0 ? 0x80 : 0;
        var magnitude = Math.Min(Math.Abs((int)sample), 32767) >> 3;
        int encoded;
        if (magnitude < 32)
        {
            encoded = magnitude >> 1;
        }
        else
        {
            var exponent = 1;
            while (magnitude >= 64 << (exponent - 1) && exponent < 7)
            {
                exponent++;
            }

            encoded = (exponent << 4) | ((magnitude >> exponent) & 0x0F);
        }

        return (byte)((sign | encoded) ^ 0x55);
    }
}
